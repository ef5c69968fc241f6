import { conv } from '@neuralpower/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureIdlePower, measureWork } from '../src/bench/measure.js';
import { TfjsEngine } from '../src/engine/tfjs/index.js';
import { NoPowerSampler } from '../src/power/none/index.js';
import { NvidiaSmiSampler } from '../src/power/nvidia-smi/index.js';
import { fakeNvidiaSmiDir, withPath } from './helpers/fake-path.js';
import { fixtureFiles } from './helpers/fixtures.js';

const timing = { warmupRuns: 2, minRuns: 5, minDurationMs: 0, budgetMs: 10_000, minRunsUnderBudget: 3 };

describe('measuring one configuration', () => {
  let engine: TfjsEngine;
  const saved = { ...process.env };
  beforeAll(async () => {
    engine = await TfjsEngine.create('cpu');
  });
  afterAll(async () => {
    process.env = { ...saved };
    await engine.dispose();
  });

  it('runs back to back over the power window; energy = mean power × mean runtime', async () => {
    process.env['PATH'] = withPath(fakeNvidiaSmiDir());
    process.env['FAKE_SMI_FIXTURE'] = fixtureFiles().find((f) => f.includes('l40s'))!;
    process.env['FAKE_SMI_STATE'] = 'load';
    process.env['FAKE_SMI_TRACE'] = '250';
    const sampler = new NvidiaSmiSampler({ gpuIndex: 0, intervalMs: 20, supportedFields: [] });
    await sampler.start();
    try {
      const idle = await measureIdlePower(sampler, 200);
      expect(idle).toBeCloseTo(250, 9);
      const work = await engine.prepare({ spec: conv(4, 3), inputs: [[8, 8, 2]], batch: 2 });
      const m = await measureWork(work, sampler, {
        timing,
        powerWindowMs: 400,
        minSamples: 5,
        cooldownMs: 0,
        idleW: idle!,
      });
      work.dispose();
      expect(m.power).not.toBe('unavailable');
      if (m.power === 'unavailable') return;
      expect(m.power.meanW).toBeCloseTo(250, 9);
      expect(m.power.source).toBe('nvidia-smi');
      expect(m.power.samples).toBeGreaterThanOrEqual(5);
      expect(m.power.windowMs).toBeGreaterThanOrEqual(400);
      expect(m.power.lowSampleCount).toBe(false);
      expect(m.power.idleW).toBeCloseTo(250, 9);
      expect(m.power.intervalMs).toBeGreaterThan(0);
      expect(m.energyMj).toBeCloseTo(250 * m.runtime.meanMs, 9);
      expect(m.runtime.n).toBe(5);
      // device state from the L40S load capture
      expect(m.clocks).toEqual({ smMHz: 2520, memMHz: 9001 });
      expect(m.temperatureC).toBe(54);
      expect(m.throttleReasons).toEqual([]);
      expect(Date.parse(m.endedAt)).toBeGreaterThanOrEqual(Date.parse(m.startedAt));
    } finally {
      await sampler.stop();
    }
  });

  it('flags a window with too few samples', async () => {
    process.env['PATH'] = withPath(fakeNvidiaSmiDir());
    process.env['FAKE_SMI_FIXTURE'] = fixtureFiles()[0]!;
    process.env['FAKE_SMI_TRACE'] = '100';
    const sampler = new NvidiaSmiSampler({ gpuIndex: 0, intervalMs: 100, supportedFields: [] });
    await sampler.start();
    try {
      const work = await engine.prepare({ spec: conv(2, 1), inputs: [[2, 2, 1]], batch: 1 });
      const m = await measureWork(work, sampler, {
        timing,
        powerWindowMs: 150,
        minSamples: 50,
        cooldownMs: 0,
      });
      work.dispose();
      expect(m.power !== 'unavailable' && m.power.lowSampleCount).toBe(true);
    } finally {
      await sampler.stop();
    }
  });

  it('without a power source records runtime only and never a made-up power', async () => {
    const work = await engine.prepare({ spec: conv(2, 1), inputs: [[2, 2, 1]], batch: 1 });
    const m = await measureWork(work, new NoPowerSampler(), { timing, minSamples: 10, cooldownMs: 0 });
    work.dispose();
    expect(m.power).toBe('unavailable');
    expect(m.energyMj).toBeNull();
    expect(m.clocks).toBeUndefined();
    expect(m.runtime.meanMs).toBeGreaterThan(0);
  });

  it('stops timing when the per-configuration budget runs out (after at least 3 runs)', async () => {
    const work = await engine.prepare({ spec: conv(32, 3), inputs: [[32, 32, 32]], batch: 2 });
    const m = await measureWork(work, new NoPowerSampler(), {
      timing: { warmupRuns: 10, minRuns: 1000, minDurationMs: 0, budgetMs: 1, minRunsUnderBudget: 3 },
      minSamples: 10,
      cooldownMs: 0,
    });
    work.dispose();
    expect(m.timing.budgetExhausted).toBe(true);
    expect(m.timing.warmupRuns).toBe(1);
    expect(m.runtime.n).toBe(3);
  });
});
