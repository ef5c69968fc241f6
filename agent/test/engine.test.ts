import {
  buildNetwork,
  conv,
  describeLayer,
  fc,
  type LayerConfig,
  type LayerSpec,
  pool,
  type Shape,
} from '@neuralpower/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeWork } from '../src/bench/timing.js';
import { TfjsEngine } from '../src/engine/tfjs/index.js';

const s = (h: number, w: number, c: number): Shape => [h, w, c];

/** One small configuration of every layer kind the core models. */
const CASES: { name: string; spec: LayerSpec; inputs: Shape[] }[] = [
  { name: 'conv', spec: conv(8, 3), inputs: [s(8, 8, 4)] },
  {
    name: 'conv stride 2 valid',
    spec: conv(6, [3, 2], { stride: 2, padding: 'VALID' }),
    inputs: [s(9, 9, 3)],
  },
  {
    name: 'conv explicit padding',
    spec: conv(4, 3, { padding: { top: 1, bottom: 0, left: 2, right: 1 } }),
    inputs: [s(7, 7, 2)],
  },
  { name: 'conv dilated', spec: conv(4, 3, { dilationH: 2, dilationW: 2 }), inputs: [s(9, 9, 2)] },
  { name: 'depthwise conv', spec: conv(8, 3, { groups: 8 }), inputs: [s(8, 8, 8)] },
  { name: 'depthwise multiplier 2', spec: conv(8, 3, { groups: 4, stride: 2 }), inputs: [s(8, 8, 4)] },
  { name: 'grouped conv', spec: conv(8, 3, { groups: 2, bias: false }), inputs: [s(8, 8, 4)] },
  { name: 'fc flat', spec: fc(10), inputs: [s(1, 1, 32)] },
  { name: 'fc on a map', spec: fc(5, false), inputs: [s(3, 3, 4)] },
  { name: 'max pool', spec: pool('max', 2), inputs: [s(8, 8, 3)] },
  { name: 'avg pool same', spec: pool('avg', 3, 2, 'SAME'), inputs: [s(7, 7, 3)] },
  {
    name: 'max pool explicit',
    spec: pool('max', 3, 2, { top: 1, bottom: 1, left: 1, right: 1 }),
    inputs: [s(8, 8, 2)],
  },
  { name: 'globalpool avg', spec: { kind: 'globalpool', mode: 'avg' }, inputs: [s(5, 5, 6)] },
  { name: 'globalpool max', spec: { kind: 'globalpool', mode: 'max' }, inputs: [s(5, 5, 6)] },
  ...(['relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'leakyrelu', 'swish', 'linear'] as const).map((fn) => ({
    name: `activation ${fn}`,
    spec: { kind: 'activation', fn } as LayerSpec,
    inputs: [s(4, 4, 3)],
  })),
  { name: 'batchnorm', spec: { kind: 'batchnorm' }, inputs: [s(4, 4, 3)] },
  { name: 'add', spec: { kind: 'add' }, inputs: [s(4, 4, 3), s(4, 4, 3), s(4, 4, 3)] },
  { name: 'concat', spec: { kind: 'concat' }, inputs: [s(4, 4, 3), s(4, 4, 5)] },
  { name: 'dropout', spec: { kind: 'dropout', rate: 0.5 }, inputs: [s(4, 4, 3)] },
  { name: 'lrn', spec: { kind: 'lrn', depthRadius: 2 }, inputs: [s(4, 4, 8)] },
  { name: 'flatten', spec: { kind: 'flatten' }, inputs: [s(4, 4, 3)] },
  { name: 'reshape', spec: { kind: 'reshape', shape: [2, 8, 3] }, inputs: [s(4, 4, 3)] },
  { name: 'softmax', spec: { kind: 'softmax' }, inputs: [s(1, 1, 10)] },
  { name: 'pad', spec: { kind: 'pad', top: 1, bottom: 2, left: 0, right: 3 }, inputs: [s(4, 4, 3)] },
];

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
    const network = buildNetwork({
      name: 'tiny-resnet-block',
      batch: 2,
      input: [8, 8, 4],
      nodes: [
        { name: 'c1', spec: conv(4, 3), parents: [] },
        { name: 'bn', spec: { kind: 'batchnorm' }, parents: ['c1'] },
        { name: 'r', spec: { kind: 'activation', fn: 'relu' }, parents: ['bn'] },
        { name: 'sum', spec: { kind: 'add' }, parents: ['r', 'c1'] },
        { name: 'gp', spec: { kind: 'globalpool', mode: 'avg' }, parents: ['sum'] },
        { name: 'fc', spec: fc(3), parents: ['gp'] },
        { name: 'sm', spec: { kind: 'softmax' }, parents: ['fc'] },
      ],
    });
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
