import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runKillTrials } from './support/kill-trials.js';

const dir = mkdtempSync(path.join(tmpdir(), 'np-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// scripts/reliability/collector-kill.ts runs the same harness with ≥ 100 trials.
it('loses and duplicates nothing when the collector is SIGKILLed mid-stream 10 times', async () => {
  const report = await runKillTrials({ dir, trials: 10, seed: 20261127, agents: 3 });
  console.log(
    `collector kill: ${report.trials} trials, ${report.killsMidStream} with records unacked, ${report.produced} produced, ` +
      `${report.final.measurements} stored, ${report.duplicateAcks} duplicate acks, ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  expect(report.violations).toEqual([]);
  expect(report.final.integrity).toBe('ok');
  expect(report.produced).toBeGreaterThan(0);
  expect(report.missing).toBe(0);
  expect(report.unexpected).toBe(0);
  expect(report.wrongValue).toBe(0);
  expect(report.final.measurements).toBe(report.produced);
  expect(report.final.duplicateKeys).toBe(0);
  expect(report.final.duplicateSlots).toBe(0);
  // Most kills must land mid-stream, or the test proves little.
  expect(report.killsMidStream).toBeGreaterThanOrEqual(5);
}, 240_000);
