import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeLayer, modelKindOf, SAMPLE_KINDS } from '@neuralpower/core';
import { describe, expect, it } from 'vitest';
import { sweepFromArgs } from '../src/cli/options.js';
import { silentLogger } from '../src/log.js';
import { runAgent } from '../src/run.js';
import { DEFAULT_SWEEP, MAX_SWEEP_COUNT, planSweep } from '../src/sweep/plan.js';

describe('sweep planning', () => {
  it('is deterministic for a seed, different for another, and valid for every kind', async () => {
    const options = {
      ...DEFAULT_SWEEP,
      kinds: [...SAMPLE_KINDS],
      count: 8,
      seed: 3,
      preset: 'paper' as const,
    };
    const planA = await planSweep('cpu-x', options);
    const planB = await planSweep('cpu-x', options);
    const planC = await planSweep('cpu-x', { ...options, seed: 4 });
    const [a, b, c] = [[...planA.items], [...planB.items], [...planC.items]];
    expect(a.map((i) => i.key)).toEqual(b.map((i) => i.key));
    // Iterating the same plan again starts afresh and gives the same items.
    expect([...planA.items].map((i) => i.key)).toEqual(a.map((i) => i.key));
    expect(planA.id).toBe(planB.id);
    expect(planC.id).not.toBe(planA.id);
    expect(c.map((i) => i.key)).not.toEqual(a.map((i) => i.key));
    const kinds = new Set<string>();
    for (const item of a) {
      if (item.type !== 'layer') continue;
      describeLayer(item.config); // throws if invalid
      kinds.add(modelKindOf(item.config.spec)!);
    }
    expect([...kinds].sort()).toEqual([...SAMPLE_KINDS].sort());
    // interleaved: the first |kinds| items are one of each kind
    const first = a
      .slice(0, SAMPLE_KINDS.length)
      .map((i) => (i.type === 'layer' ? modelKindOf(i.config.spec) : null));
    expect(new Set(first).size).toBe(SAMPLE_KINDS.length);
  });

  it('follows the paper ranges for conv, fc and pool', async () => {
    const plan = await planSweep('cpu-x', { ...DEFAULT_SWEEP, count: 40, preset: 'paper' });
    for (const item of plan.items) {
      if (item.type !== 'layer') continue;
      const s = item.config.spec;
      if (s.kind === 'conv') {
        expect(s.filters).toBeGreaterThanOrEqual(30);
        expect(s.filters).toBeLessThanOrEqual(60);
        expect(s.kernelH).toBeGreaterThanOrEqual(2);
        expect(s.kernelH).toBeLessThanOrEqual(5);
        expect([1, 2]).toContain(s.strideH);
      } else if (s.kind === 'fc') {
        expect(s.units).toBeGreaterThanOrEqual(50);
        expect(s.units).toBeLessThanOrEqual(1000);
      } else if (s.kind === 'pool') {
        expect([1, 2]).toContain(s.strideH);
        expect(s.kernelH).toBeLessThanOrEqual(3);
      }
      expect([1, 2, 4, 8, 16, 32, 64, 128]).toContain(item.config.batch);
    }
  });

  it('adds zoo layers of the chosen kinds and a network end to end', async () => {
    const plan = await planSweep('cpu-x', {
      ...DEFAULT_SWEEP,
      kinds: ['conv', 'fc'],
      count: 0,
      zoo: ['alexnet'],
      networks: ['lenet5'],
    });
    const items = [...plan.items];
    const origins = items.map((i) => i.origin);
    expect(origins.some((o) => o.startsWith('zoo:alexnet/conv'))).toBe(true);
    expect(origins.some((o) => o.startsWith('zoo:alexnet/pool'))).toBe(false);
    expect(origins.filter((o) => o.startsWith('network:lenet5/')).length).toBeGreaterThan(5);
    const net = items.find((i) => i.type === 'network');
    expect(net?.type === 'network' && net.ref).toEqual({ name: 'lenet5', zoo: 'lenet5' });
  });

  it('draws configurations lazily: the largest --count costs nothing until iterated', async () => {
    const options = { ...DEFAULT_SWEEP, kinds: [...SAMPLE_KINDS], count: MAX_SWEEP_COUNT, seed: 5 };
    const heapBefore = process.memoryUsage().heapUsed;
    const plan = await planSweep('cpu-x', options);
    expect(plan.maxItems).toBe(MAX_SWEEP_COUNT * SAMPLE_KINDS.length);
    const first: string[] = [];
    for (const item of plan.items) {
      first.push(item.key);
      if (first.length === 50) break;
    }
    // 1.5 million configurations drawn eagerly would take hundreds of MB; 50 take almost nothing.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    // The same configurations as a small sweep with the same seed: only the length differs.
    const small = [...(await planSweep('cpu-x', { ...options, count: 4 })).items].map((i) => i.key);
    expect(first).toEqual(small.slice(0, first.length));
    await expect(planSweep('cpu-x', { ...options, count: 1e9 })).rejects.toThrow(
      `--count must be a whole number from 0 to ${MAX_SWEEP_COUNT} (got 1000000000)`,
    );
  });

  it('names a bad option', async () => {
    await expect(planSweep('cpu-x', { ...DEFAULT_SWEEP, kinds: ['convv' as 'conv'] })).rejects.toThrow(
      /--kinds: unknown kind "convv"/,
    );
    await expect(planSweep('cpu-x', { ...DEFAULT_SWEEP, networks: ['no-such-net'] })).rejects.toThrow(
      /no-such-net/,
    );
    expect(() => sweepFromArgs({ batches: '1,x' } as never)).toThrow(
      /--batches: "x" is not a positive integer/,
    );
  });
});

describe('an interrupted sweep', () => {
  it('stops after the current configuration on abort and resumes from the state dir', async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'np-resume-'));
    const controller = new AbortController();
    const common = {
      stateDir,
      backend: 'cpu' as const,
      power: 'none' as const,
      idleMs: 0,
      logger: silentLogger(),
      progress: false,
      timing: { warmupRuns: 1, minRuns: 3 },
    };
    let seen = 0;
    const first = await runAgent({
      ...common,
      sweep: { kinds: ['conv', 'fc', 'pool'], count: 3, preset: 'tiny' },
      signal: controller.signal,
      onRecord: () => {
        if (++seen === 2) controller.abort();
      },
    });
    expect(first.aborted).toBe(true);
    expect(first.measured).toBe(2);
    expect(first.planned).toBe(9);
    // No sweep options: the unfinished sweep is picked up again.
    const second = await runAgent(common);
    expect(second.sweepId).toBe(first.sweepId);
    expect(second.skipped).toBe(2);
    expect(second.measured).toBe(7);
    // 9 configurations, and one of the first process's measured again (drift between processes)
    expect(second.processDrift?.revisited).toBe(1);
    expect(second.pending).toBe(10);
    const third = await runAgent(common);
    expect(third.sweepId).toBeUndefined();
    expect(third.measured).toBe(0);
  });
});
