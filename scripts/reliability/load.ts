/**
 * Load: many protocol clients (one batch in flight each, as the real agent sends) against one
 * collector child process for a fixed time; reports records/s and ack latency, then checks that
 * every acked record is in the store exactly once.
 *
 *   npx tsx scripts/reliability/load.ts [--agents 200] [--seconds 30] [--batch 25] [--json]
 *
 * Exit status 1 on any error, loss or duplicate. The CI test (test/agents-load.test.ts) runs 20 agents × 3 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runLoad } from '../../test/support/load.js';
import { intFlags } from './args.js';

const { values, json } = intFlags('usage: load.ts [--agents 200] [--seconds 30] [--batch 25] [--json]', {
  agents: 200,
  seconds: 30,
  batch: 25,
});
const dir = mkdtempSync(path.join(tmpdir(), 'np-load-script-'));
try {
  const report = await runLoad({
    dir,
    agents: values.agents,
    durationMs: values.seconds * 1000,
    batchSize: values.batch,
    log: json ? undefined : (line) => process.stdout.write(`${line}\n`),
  });
  const ok =
    report.errors.length === 0 &&
    report.lost === 0 &&
    report.store.integrity === 'ok' &&
    report.store.measurements === report.recordsAcked &&
    report.store.duplicateKeys === 0 &&
    report.store.duplicateSlots === 0;
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ ok, ...report, store: { ...report.store, perAgent: report.store.perAgent.size } }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(
      [
        `load: ${report.agents} concurrent agents, batches of ${report.batchSize}, ${(report.durationMs / 1000).toFixed(1)} s (connect ${report.connectMs} ms)`,
        `  acked ${report.recordsAcked} records in ${report.batchesAcked} batches: ${report.recordsPerSecond.toFixed(0)} records/s, ${(report.batchesAcked / (report.durationMs / 1000)).toFixed(0)} batches/s`,
        `  ack latency p50 ${report.ackLatencyMs.p50.toFixed(1)} ms, p99 ${report.ackLatencyMs.p99.toFixed(1)} ms, max ${report.ackLatencyMs.max.toFixed(1)} ms`,
        `  stored ${report.store.measurements}, lost ${report.lost}, duplicates ${report.store.duplicateKeys}, integrity ${report.store.integrity}, errors ${report.errors.length}`,
        ...report.errors.slice(0, 10).map((e) => `  ERROR ${e}`),
        ok ? 'PASS' : 'FAIL',
      ].join('\n') + '\n',
    );
  }
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
