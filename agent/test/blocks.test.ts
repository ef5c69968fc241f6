import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { conv } from '@neuralpower/core';
import type { MeasurementRecord } from '@neuralpower/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BLOCK_TIMING, timeBlocks } from '../src/bench/blocks.js';
import { bootstrapMedianInterval } from '../src/bench/median-bootstrap.js';
import { medianInterval, outlierCount } from '../src/bench/median-ci.js';
import { measureSyncOverhead } from '../src/bench/sync-overhead.js';
import type { BlockTimingRequest, PreparedWork } from '../src/engine/engine.js';
import { TfjsEngine } from '../src/engine/tfjs/index.js';
import { silentLogger } from '../src/log.js';
import { runAgent } from '../src/run.js';

describe('confidence interval of the median (order statistics)', () => {
  const ranks = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('uses the tabulated ranks: [x₂, x₉] for n = 10, [x₆, x₁₅] for n = 20', () => {
    const ten = medianInterval(ranks(10));
    expect([ten.lowMs, ten.highMs]).toEqual([2, 9]);
    expect(ten.coverage).toBeCloseTo(1 - 22 / 1024, 12);
    const twenty = medianInterval(ranks(20));
    expect([twenty.lowMs, twenty.highMs]).toEqual([6, 15]);
    expect(twenty.coverage).toBeGreaterThanOrEqual(0.95);
    expect(twenty.medianMs).toBe(10.5);
  });

  it('says when too few values allow no 95 % interval', () => {
    const five = medianInterval([5, 1, 4, 2, 3]);
    expect([five.lowMs, five.highMs]).toEqual([1, 5]);
    expect(five.coverage).toBeLessThan(0.95);
  });

  it('narrows with more values and ignores how far an outlier lies', () => {
    const values = Array.from({ length: 200 }, (_, i) => 1 + ((i * 37) % 100) / 1000); // 1.000 … 1.099
    const a = medianInterval(values);
    const b = medianInterval([...values.slice(1), 1e6]);
    expect(a.halfWidthRel).toBeLessThan(0.02);
    expect(b.halfWidthRel).toBeLessThan(0.02);
    expect(a.lowMs).toBeLessThanOrEqual(a.medianMs);
    expect(a.highMs).toBeGreaterThanOrEqual(a.medianMs);
  });

  it('counts far-off blocks as outliers, not sub-percent wobble', () => {
    const steady = Array.from({ length: 40 }, (_, i) => 5 + (i % 5) * 0.01);
    expect(outlierCount(steady)).toBe(0);
    expect(outlierCount([...steady, 20, 21])).toBe(2);
  });
});

describe('confidence interval of the median (bootstrap)', () => {
  /** Seeded log-normal-ish sample: a skewed timing distribution whose median is `medianMs`. */
  function sample(n: number, seed: number, medianMs = 1): number[] {
    let s = seed;
    const u = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return (s + 0.5) / 2 ** 31;
    };
    return Array.from({ length: n }, () => {
      const z = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      return medianMs * Math.exp(0.1 * z);
    });
  }

  it('is deterministic, brackets the median, and ignores how far an outlier lies', () => {
    const values = sample(40, 7);
    const a = bootstrapMedianInterval(values);
    expect(bootstrapMedianInterval(values)).toEqual(a);
    expect(a.lowMs).toBeLessThanOrEqual(a.medianMs);
    expect(a.highMs).toBeGreaterThanOrEqual(a.medianMs);
    expect(a.medianMs).toBe(medianInterval(values).medianMs);
    const b = bootstrapMedianInterval([...values.slice(1), 1e6]);
    expect(b.halfWidthRel).toBeLessThan(2 * a.halfWidthRel + 0.01);
  });

  it('covers the true median about as often as asked, and is no wider than order statistics', () => {
    let covered = 0;
    let widthBoot = 0;
    let widthOrder = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const values = sample(30, 1000 + t);
      const boot = bootstrapMedianInterval(values, 0.95, 500);
      const order = medianInterval(values, 0.95);
      if (boot.lowMs <= 1 && boot.highMs >= 1) covered++;
      widthBoot += boot.highMs - boot.lowMs;
      widthOrder += order.highMs - order.lowMs;
    }
    // Nominal 95 %; a percentile bootstrap of a median undercovers a little at n = 30.
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(widthBoot).toBeLessThanOrEqual(widthOrder * 1.05);
  });
});

/**
 * An engine that times blocks elsewhere and returns raw durations (as the PyTorch worker does):
 * per-run time × K with deterministic noise, and a GC-like pause on every `spikeEvery`-th block.
 */
function scriptedWork(
  perRunMs: number,
  noiseRel: number,
  spikeEvery = 0,
): PreparedWork & { timedSpikes: () => number } {
  let seed = 12345;
  let block = 0;
  let spikes = 0;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed / 2 ** 31 - 0.5) * 2 * noiseRel;
  };
  return {
    /** pauses injected into timed blocks (K > 1; warm-up runs are single) */
    timedSpikes: () => spikes,
    run: () => {},
    synchronise: async () => {},
    dispose: () => {},
    timeBlocks: async (req: BlockTimingRequest) => {
      const blockMs: number[] = [];
      for (let w = 0; w < req.warmupRuns; w++) block++;
      const n = Math.max(req.minBlocks, 1);
      for (let b = 0; b < n; b++) {
        block++;
        const spike = spikeEvery > 0 && block % spikeEvery === 0 ? 4 : 1;
        if (spike > 1 && req.runsPerBlock > 1) spikes++;
        blockMs.push(perRunMs * req.runsPerBlock * (1 + noise()) * spike);
      }
      return { warmupRuns: req.warmupRuns, runsPerBlock: req.runsPerBlock, blockMs, budgetExhausted: false };
    },
  };
}

describe('the block protocol', () => {
  it('chooses K so a block lasts ≥ blockMs and stops as soon as the interval is within target', async () => {
    const work = scriptedWork(0.5, 0.005);
    const r = await timeBlocks(work, 'wall', DEFAULT_BLOCK_TIMING);
    // ⌈5 ms / estimate⌉ with the estimate within ±0.5 % of 0.5 ms
    expect([10, 11]).toContain(r.runsPerBlock);
    expect(r.blocks).toBe(DEFAULT_BLOCK_TIMING.minBlocks);
    expect(r.targetReached).toBe(true);
    expect(r.medianMs).toBeCloseTo(0.5, 2);
    expect(r.ciLowMs).toBeLessThanOrEqual(r.medianMs);
    expect(r.ciHighMs).toBeGreaterThanOrEqual(r.medianMs);
    expect(r.n).toBe(r.blocks * r.runsPerBlock);
    expect(r.outlierBlocks).toBe(0);
    expect(r.clock).toBe('wall');
  });

  it('counts GC-like outlier blocks and keeps them; the median stays put', async () => {
    const work = scriptedWork(0.5, 0.005, 7);
    const r = await timeBlocks(work, 'wall', {
      ...DEFAULT_BLOCK_TIMING,
      minBlocks: 40,
    });
    expect(work.timedSpikes()).toBeGreaterThanOrEqual(5);
    expect(r.outlierBlocks).toBe(work.timedSpikes());
    expect(r.meanMs).toBeGreaterThan(0.6); // the mean includes them
    expect(r.medianMs).toBeCloseTo(0.5, 2);
    expect(r.targetReached).toBe(true);
  });

  it('flags a configuration whose interval stays wider than the target', async () => {
    const r = await timeBlocks(scriptedWork(0.5, 0.6), 'wall', { ...DEFAULT_BLOCK_TIMING, maxBlocks: 30 });
    expect(r.blocks).toBe(30);
    expect(r.targetReached).toBe(false);
    expect(r.ciHalfWidthRel).toBeGreaterThan(0.02);
  });

  it('refuses a process-cpu clock from an engine that gives no CPU time', async () => {
    await expect(timeBlocks(scriptedWork(0.5, 0), 'process-cpu')).rejects.toThrow(/no CPU time/);
  });

  describe('with tfjs', () => {
    let engine: TfjsEngine;
    beforeAll(async () => {
      engine = await TfjsEngine.create('wasm');
    });
    afterAll(async () => {
      await engine.dispose();
    });

    it('runs wasm on one thread, so the platform id is the single-threaded one and CPU time is the clock', async () => {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      expect(wasm.getThreadsCount()).toBe(1);
      // One thread adds no setting: platform ids from before the thread count was recorded stay.
      expect(engine.identity.settings).toBeUndefined();
      expect(engine.blockClock).toBe('process-cpu');
    });

    it('times a real layer on the process CPU clock within its budget', async () => {
      expect(engine.blockClock).toBe('process-cpu');
      const work = await engine.prepare({ spec: conv(8, 3), inputs: [[8, 8, 4]], batch: 1 });
      try {
        const blocks = await work.timeBlocks!({
          warmupRuns: 2,
          runsPerBlock: 3,
          minBlocks: 2,
          maxBlocks: 2,
          minDurationMs: 0,
          budgetMs: 10_000,
          minBlocksUnderBudget: 2,
        });
        expect(blocks.warmupRuns).toBe(2);
        expect(blocks.blockMs).toHaveLength(2);
        expect(blocks.blockCpuMs).toHaveLength(2);
        for (const ms of blocks.blockMs) expect(ms).toBeGreaterThan(0);
        const started = performance.now();
        const r = await timeBlocks(work, 'process-cpu', { ...DEFAULT_BLOCK_TIMING, minBudgetMs: 300 });
        expect(performance.now() - started).toBeLessThan(10_000);
        expect(r.blocks).toBeGreaterThanOrEqual(DEFAULT_BLOCK_TIMING.minBlocksUnderBudget);
        expect(r.runsPerBlock).toBeGreaterThan(1);
        expect(r.medianMs).toBeGreaterThan(0);
        expect(r.ciLowMs).toBeLessThanOrEqual(r.medianMs);
        expect(r.wallMedianMs).toBeGreaterThan(0);
        expect(r.targetReached || r.budgetExhausted || r.blocks === DEFAULT_BLOCK_TIMING.maxBlocks).toBe(
          true,
        );
      } finally {
        work.dispose();
      }
    });

    it('measures the synchronisation overhead on a one-element op', async () => {
      const s = await measureSyncOverhead(engine, 5);
      // A synchronisation is waiting (a readback), which only the wall clock sees.
      expect(s.clock).toBe('wall');
      expect(s.syncedRunMs).toBeGreaterThan(0);
      expect(s.blockRunMs).toBeGreaterThan(0);
      expect(s.syncOverheadMs).toBeGreaterThanOrEqual(0);
      expect(s.syncOverheadMs).toBeLessThan(s.syncedRunMs + 1e-9);
    });
  });
});

describe('a sweep with the block protocol', () => {
  it('records precision, the sync overhead and a drift revisit; run-by-run timing records none', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'np-blocks-'));
    const out = path.join(dir, 'records.jsonl');
    const common = {
      backend: 'wasm' as const,
      power: 'none' as const,
      idleMs: 0,
      logger: silentLogger(),
      progress: false,
      timing: { warmupRuns: 2, minRuns: 5 },
      sweep: { kinds: ['fc', 'pool'] as const, count: 2, preset: 'tiny' as const },
    };
    const result = await runAgent({
      ...common,
      sweep: { ...common.sweep, kinds: [...common.sweep.kinds] },
      stateDir: path.join(dir, 'blocks'),
      outFile: out,
      revisitShare: 0.5,
    });
    expect(result.measured).toBe(4);
    expect(result.syncOverhead?.syncOverheadMs).toBeGreaterThanOrEqual(0);
    expect(result.drift?.revisited).toBe(2);
    const records = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MeasurementRecord);
    expect(records).toHaveLength(6);
    for (const r of records) {
      expect(r.precision).toMatchObject({ protocol: 'blocks', clock: 'process-cpu', targetRel: 0.02 });
      expect(r.precision!.syncOverheadMs).toBe(result.syncOverhead!.syncOverheadMs);
      expect(r.precision!.ciLowMs).toBeLessThanOrEqual(r.runtime.medianMs);
      expect(r.runtime.n).toBe(r.precision!.blocks * r.precision!.runsPerBlock);
    }
    const revisits = records.filter((r) => r.precision?.revisit);
    expect(revisits).toHaveLength(2);
    for (const r of revisits) {
      const first = records.find(
        (f) =>
          !f.precision?.revisit &&
          JSON.stringify(f) !== JSON.stringify(r) &&
          f.type === 'layer' &&
          r.type === 'layer' &&
          JSON.stringify([f.spec, f.inputs, f.batch]) === JSON.stringify([r.spec, r.inputs, r.batch]),
      )!;
      expect(r.precision!.revisit!.firstMedianMs).toBe(first.runtime.medianMs);
      expect(r.precision!.revisit!.driftRel).toBeCloseTo(r.runtime.medianMs / first.runtime.medianMs - 1, 12);
    }

    const old = await runAgent({
      ...common,
      sweep: { ...common.sweep, kinds: [...common.sweep.kinds] },
      stateDir: path.join(dir, 'runs'),
      timingProtocol: 'runs',
      onRecord: (r) => expect(r.precision).toBeUndefined(),
    });
    expect(old.measured).toBe(4);
    expect(old.syncOverhead).toBeUndefined();
    expect(old.drift).toBeUndefined();
  });

  it('a resumed sweep revisits what the earlier process measured, and records the drift between processes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'np-blocks-resume-'));
    const out = path.join(dir, 'records.jsonl');
    const common = {
      backend: 'wasm' as const,
      power: 'none' as const,
      idleMs: 0,
      logger: silentLogger(),
      progress: false,
      stateDir: path.join(dir, 'state'),
      outFile: out,
      revisitShare: 0.05,
      blockTiming: { ciMethod: 'bootstrap' as const },
      sweep: { kinds: ['fc', 'pool'] as const, count: 2, preset: 'tiny' as const },
    };
    // The first run is interrupted after two configurations (as a killed agent would be).
    const stop = new AbortController();
    let seen = 0;
    const first = await runAgent({
      ...common,
      sweep: { ...common.sweep, kinds: [...common.sweep.kinds] },
      signal: stop.signal,
      onRecord: () => {
        if (++seen === 2) stop.abort();
      },
    });
    expect(first.measured).toBe(2);
    expect(first.processDrift).toBeUndefined();
    const firstRecords = readFileSync(out, 'utf8').trim().split('\n');
    expect(firstRecords).toHaveLength(2);

    const resumed = await runAgent({ ...common, sweep: { ...common.sweep, kinds: [...common.sweep.kinds] } });
    expect(resumed.measured).toBe(2);
    expect(resumed.skipped).toBe(2);
    // Two of this run's own: 5 % gives none; one of the earlier process's (at least one when resuming).
    expect(resumed.drift).toBeUndefined();
    expect(resumed.processDrift?.revisited).toBe(1);
    const records = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MeasurementRecord);
    expect(records).toHaveLength(5);
    const revisit = records[4]!;
    expect(revisit.precision?.ciMethod).toBe('bootstrap');
    expect(revisit.precision?.revisit?.acrossProcesses).toBe(true);
    const earlier = JSON.parse(firstRecords[0]!) as MeasurementRecord;
    expect(revisit.type === 'layer' && earlier.type === 'layer').toBe(true);
    if (revisit.type !== 'layer' || earlier.type !== 'layer') return;
    expect([revisit.spec, revisit.inputs, revisit.batch]).toEqual([
      earlier.spec,
      earlier.inputs,
      earlier.batch,
    ]);
    expect(revisit.precision!.revisit!.firstMedianMs).toBe(earlier.runtime.medianMs);
    expect(Math.abs(revisit.precision!.revisit!.driftRel)).toBeCloseTo(resumed.processDrift!.maxAbsRel, 12);

    // A third run of the finished sweep measures nothing new and does not revisit again.
    const again = await runAgent({ ...common, sweep: { ...common.sweep, kinds: [...common.sweep.kinds] } });
    expect(again.measured).toBe(0);
    expect(again.processDrift?.revisited ?? 0).toBe(0);
  });
});
