import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runLoad } from './support/load.js';

const dir = mkdtempSync(path.join(tmpdir(), 'np-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The full run (≥ 200 agents for ≥ 30 s) is scripts/reliability/load.ts; this is its CI-sized twin.
it('20 concurrent agents for 3 s: every acked record stored once, no errors', async () => {
  const report = await runLoad({ dir, agents: 20, durationMs: 3000 });
  console.log(
    `load: ${report.agents} agents × ${report.durationMs} ms: ${report.recordsAcked} records in ${report.batchesAcked} batches, ` +
      `${report.recordsPerSecond.toFixed(0)} records/s, ack p50 ${report.ackLatencyMs.p50.toFixed(1)} ms p99 ${report.ackLatencyMs.p99.toFixed(1)} ms`,
  );
  expect(report.errors).toEqual([]);
  expect(report.batchesAcked).toBeGreaterThan(0);
  expect(report.lost).toBe(0);
  expect(report.store).toMatchObject({
    integrity: 'ok',
    measurements: report.recordsAcked,
    distinctKeys: report.recordsAcked,
    duplicateKeys: 0,
    duplicateSlots: 0,
  });
  expect(report.store.perAgent.size).toBe(20);
}, 120_000);
