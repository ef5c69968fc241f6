import { describeLayer, type LayerConfig, pool } from '@neuralpower/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeWork } from '../src/bench/timing.js';
import { TfjsEngine } from '../src/engine/tfjs/index.js';

import { CASES, s, tinyResnetBlock } from './helpers/layer-cases.js';

describe.each(['wasm', 'cpu'] as const)('tfjs engine on %s', (backend) => {
  let engine: TfjsEngine;
  beforeAll(async () => {
    engine = await TfjsEngine.create(backend);
  });
  afterAll(async () => {
    await engine.dispose();
  });

  it('reports its identity', () => {
    expect(engine.identity).toMatchObject({ name: 'tfjs', backend });
    expect(engine.identity.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(engine.device).toBe('cpu');
  });

  it.each(CASES)('runs $name with the shape the core infers', async ({ spec, inputs }) => {
    const config: LayerConfig = { spec, inputs, batch: 2 };
    describeLayer(config); // the case itself must be valid
    const work = await engine.prepare(config);
    const timing = await timeWork(work, {
      warmupRuns: 2,
      minRuns: 5,
      minDurationMs: 0,
      budgetMs: 10_000,
      minRunsUnderBudget: 3,
    });
    work.dispose();
    expect(timing.n).toBe(5);
    expect(timing.meanMs).toBeGreaterThan(0);
    expect(timing.medianMs).toBeGreaterThan(0);
    expect(timing.stdMs).toBeGreaterThanOrEqual(0);
  });

  it('runs a small network end to end', async () => {
    const network = tinyResnetBlock();
    const work = await engine.prepareNetwork(network);
    const timing = await timeWork(work, {
      warmupRuns: 1,
      minRuns: 3,
      minDurationMs: 0,
      budgetMs: 10_000,
      minRunsUnderBudget: 3,
    });
    work.dispose();
    expect(timing.n).toBe(3);
  });

  it('refuses a spec the core refuses before it reaches the backend', async () => {
    const bad = { ...pool('avg', 2), kernelH: -4, kernelW: -4 };
    await expect(engine.prepare({ spec: bad, inputs: [s(1, 1, 4)], batch: 1 })).rejects.toThrow(
      /pool\.kernelH/,
    );
  });

  it('refuses an unsupported layer with a clear message', async () => {
    await expect(
      engine.prepare({ spec: { kind: 'unsupported', sourceType: 'Foo' }, inputs: [s(2, 2, 2)], batch: 1 }),
    ).rejects.toThrow(/unsupported.*Foo/);
  });
});
