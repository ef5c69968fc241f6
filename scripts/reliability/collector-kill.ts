/**
 * SIGKILLs a collector child process at seeded random points while 3 agents (the real durable
 * outbox and stream) send to it; restarts it on the same port each time; checks integrity and
 * duplicates after every kill and, at the end, that every record arrived exactly once.
 *
 *   npx tsx scripts/reliability/collector-kill.ts [--trials 100] [--seed 1] [--agents 3] [--json]
 *
 * Exit status 1 when any invariant was broken. The CI test (test/collector-kill.test.ts) runs 10 trials.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runKillTrials } from '../../test/support/kill-trials.js';
import { intFlags } from './args.js';

const { values, json } = intFlags(
  'usage: collector-kill.ts [--trials 100] [--seed 1] [--agents 3] [--min-records 20] [--max-records 120] [--json]',
  { trials: 100, seed: 1, agents: 3, 'min-records': 20, 'max-records': 120 },
);
const dir = mkdtempSync(path.join(tmpdir(), 'np-kill-script-'));
try {
  const report = await runKillTrials({
    dir,
    trials: values.trials,
    seed: values.seed,
    agents: values.agents,
    recordsPerTrial: [values['min-records'], values['max-records']],
    log: json ? undefined : (line) => process.stdout.write(`${line}\n`),
  });
  const ok =
    report.violations.length === 0 &&
    report.missing === 0 &&
    report.unexpected === 0 &&
    report.wrongValue === 0 &&
    report.final.integrity === 'ok' &&
    report.final.measurements === report.produced;
  if (json) {
    const { perTrial, final, ...rest } = report;
    process.stdout.write(
      `${JSON.stringify({ ok, ...rest, final: { ...final, perAgent: Object.fromEntries(final.perAgent) }, perTrial }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(
      [
        '',
        `collector SIGKILL trials: ${report.trials} (seed ${report.seed}), ${report.agents} agents, ${(report.durationMs / 1000).toFixed(1)} s`,
        `  kills that landed with records unacked: ${report.killsMidStream}/${report.trials}`,
        `  records produced ${report.produced}, stored ${report.final.measurements}, distinct ${report.final.distinctKeys}`,
        `  missing ${report.missing}, unexpected ${report.unexpected}, wrong value ${report.wrongValue}, duplicates ${report.final.duplicateKeys}`,
        `  batches acked ${report.batchesAcked} (of which duplicate acks after a lost ack: ${report.duplicateAcks})`,
        `  integrity_check after every kill and at the end: ${report.violations.length === 0 ? 'ok' : 'FAILED'}; mean restart ${report.meanRestartMs.toFixed(0)} ms`,
        ...report.violations.map((v) => `  VIOLATION ${v}`),
        ok ? 'PASS' : 'FAIL',
        '',
      ].join('\n'),
    );
  }
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
