import { describe, expect, it } from 'vitest';
import {
  buildNetwork,
  conv,
  createModelSet,
  energyPrecisionRatio,
  fc,
  PAPER_RUNTIME_FLOOR_MS,
  PredictionError,
  pool,
  predictLayer,
  predictNetwork,
} from '../src/index.js';
import { handModel } from './helpers/hand-model.js';

// conv 8x8x3 -> 4 channels, relu, 2x2 max pool, flatten, fc 10, softmax; batch 2.
const network = buildNetwork({
  name: 'tiny',
  batch: 2,
  input: [8, 8, 3],
  nodes: [
    { name: 'conv1', spec: conv(4, 3), parents: [] },
    { name: 'relu1', spec: { kind: 'activation', fn: 'relu' }, parents: ['conv1'] },
    { name: 'pool1', spec: pool('max', 2), parents: ['relu1'] },
    { name: 'flat', spec: { kind: 'flatten' }, parents: ['pool1'] },
    { name: 'fc1', spec: fc(10), parents: ['flat'] },
    { name: 'prob', spec: { kind: 'softmax' }, parents: ['fc1'] },
  ],
});

// conv: T = 0.5·N + 1 = 2 ms, P = 100 W; pool: T = 0.5 ms, no power model; fc: T = 0.01 ms, P = 80 W,
// floored at its model's fastest training runtime (0.1 ms in handModel).
const convRuntime = handModel('conv', 'runtime', ['N', 'Cin'], [0.5, 0], 1);
const convPower = handModel('conv', 'power', ['log2(N)'], [0], 100);
const poolRuntime = handModel('pool', 'runtime', ['N'], [0], 0.5);
const fcRuntime = handModel('fc', 'runtime', ['N*units'], [0.0005], 0);
const fcPower = handModel('fc', 'power', ['units'], [8], 0);

describe('predictNetwork', () => {
  const models = createModelSet([convRuntime, convPower, poolRuntime, fcRuntime, fcPower]);
  const prediction = predictNetwork(network, models);

  it('predicts per layer, with energy = P·T, floored at the model’s fastest training runtime', () => {
    const byName = Object.fromEntries(prediction.layers.map((l) => [l.name, l]));
    expect(prediction.runtimeFloorMs).toBeNull();
    expect(byName['conv1']).toMatchObject({ runtimeMs: 2, powerW: 100, energyMj: 200, modelKind: 'conv' });
    expect(byName['pool1']).toMatchObject({ runtimeMs: 0.5, powerW: null, energyMj: null });
    expect(byName['fc1']).toMatchObject({
      runtimeMs: fcRuntime.training.target.min,
      powerW: 80,
      runtimeFloored: true,
    });
    expect(byName['fc1']!.energyMj).toBeCloseTo(80 * 0.1, 12);
    expect(byName['relu1']).toMatchObject({
      runtimeMs: null,
      powerW: null,
      energyMj: null,
      runtimeShare: null,
    });
  });

  it('aggregates runtime = ΣT, energy = Σ(P·T), power = Σ(P·T)/ΣT over the layers that have both', () => {
    const t = prediction.totals;
    expect(t.runtimeMs).toBeCloseTo(2 + 0.5 + 0.1, 12);
    expect(t.energyMj).toBeCloseTo(200 + 8, 12);
    expect(t.powerW).toBeCloseTo((200 + 8) / (2 + 0.1), 12);
    expect(t.runtimeComplete).toBe(false);
    expect(t.energyComplete).toBe(false);
    expect(t.powerAvailable).toBe(true);
    expect(t.layers).toBe(6);
    expect(t.coveredLayers).toBe(2);
    const conv1 = prediction.layers[0]!;
    expect(conv1.runtimeShare).toBeCloseTo(2 / 2.6, 12);
    expect(conv1.energyShare).toBeCloseTo(200 / 208, 12);
    const shares = prediction.layers.reduce((s, l) => s + (l.runtimeShare ?? 0), 0);
    expect(shares).toBeCloseTo(1, 12);
  });

  it('lists every layer without a model as uncovered, saying what is missing', () => {
    expect(prediction.uncovered.map((u) => [u.name, u.missing])).toEqual([
      ['relu1', ['runtime', 'power']],
      ['pool1', ['power']],
      ['flat', ['runtime', 'power']],
      ['prob', ['runtime', 'power']],
    ]);
    expect(prediction.uncovered[1]!.reason).toBe('no power model for pool');
  });

  it('is complete when every layer is covered', () => {
    const convOnly = buildNetwork({
      name: 'c',
      batch: 2,
      input: [8, 8, 3],
      nodes: [{ name: 'c1', spec: conv(4, 3), parents: [] }],
    });
    const p = predictNetwork(convOnly, models);
    expect(p.uncovered).toEqual([]);
    expect(p.totals).toMatchObject({
      runtimeMs: 2,
      energyMj: 200,
      powerW: 100,
      runtimeComplete: true,
      energyComplete: true,
    });
  });

  it('gives runtime-only predictions on a platform without power models', () => {
    const p = predictNetwork(network, createModelSet([convRuntime, poolRuntime, fcRuntime]));
    expect(p.totals.powerAvailable).toBe(false);
    expect(p.totals.powerW).toBeNull();
    expect(p.totals.energyMj).toBeNull();
    expect(p.totals.runtimeMs).toBeCloseTo(2.6, 12);
    expect(p.layers.every((l) => l.powerW === null && l.energyMj === null)).toBe(true);
    expect(p.uncovered.map((u) => [u.name, u.missing])).toEqual([
      ['relu1', ['runtime']],
      ['flat', ['runtime']],
      ['prob', ['runtime']],
    ]);
  });

  it('takes the floor as an option and validates it', () => {
    const p = predictNetwork(network, models, { runtimeFloorMs: 0 });
    expect(p.layers[4]!.runtimeMs).toBeCloseTo(0.01, 12);
    expect(p.layers[4]!.runtimeFloored).toBe(false);
    expect(predictNetwork(network, models, { runtimeFloorMs: 3 }).layers[0]!.runtimeMs).toBe(3);
    const paper = predictNetwork(network, models, { runtimeFloorMs: PAPER_RUNTIME_FLOOR_MS });
    expect(paper.runtimeFloorMs).toBe(0.105);
    expect(paper.layers[4]).toMatchObject({ runtimeMs: 0.105, runtimeFloored: true });
    expect(() => predictNetwork(network, models, { runtimeFloorMs: -1 })).toThrow(PredictionError);
    expect(() => predictNetwork(network, models, { runtimeFloorMs: Number.NaN })).toThrow(/runtimeFloorMs/);
  });

  it('predicts a single layer and refuses two models for the same kind and target', () => {
    const p = predictLayer({ spec: conv(4, 3), inputs: [[8, 8, 3]], batch: 4 }, models);
    expect(p).toMatchObject({ runtimeMs: 3, powerW: 100, energyMj: 300, missing: [] });
    expect(() => createModelSet([convRuntime, convRuntime])).toThrow(
      /models\[1\]: a second conv runtime model/,
    );
  });

  it('reports features outside the training range', () => {
    const big = buildNetwork({
      name: 'b',
      batch: 128,
      input: [8, 8, 3],
      nodes: [{ name: 'c1', spec: conv(4, 3), parents: [] }],
    });
    expect(predictNetwork(big, models).layers[0]!.outOfRange).toEqual(['N=128 (trained 1..64)']);
  });
});

describe('energyPrecisionRatio', () => {
  it('is error^α · energy', () => {
    expect(energyPrecisionRatio(0.1, 50, 1)).toBeCloseTo(5, 12);
    expect(energyPrecisionRatio(0.25, 80, 2)).toBeCloseTo(5, 12);
    expect(energyPrecisionRatio(0.3, 42, 0)).toBe(42);
    expect(energyPrecisionRatio(1, 7, 3)).toBe(7);
  });

  it('ranks a slightly less accurate but much cheaper network first at small α', () => {
    const a = energyPrecisionRatio(0.08, 1000, 0.5);
    const b = energyPrecisionRatio(0.1, 300, 0.5);
    expect(b).toBeLessThan(a);
  });

  it('validates its inputs', () => {
    expect(() => energyPrecisionRatio(0, 1, 1)).toThrow(/error: must be an error rate in \(0, 1\]/);
    expect(() => energyPrecisionRatio(1.5, 1, 1)).toThrow(/error:/);
    expect(() => energyPrecisionRatio(0.1, 0, 1)).toThrow(/energyMj:/);
    expect(() => energyPrecisionRatio(0.1, Number.POSITIVE_INFINITY, 1)).toThrow(/energyMj:/);
    expect(() => energyPrecisionRatio(0.1, 1, -1)).toThrow(/alpha:/);
  });
});
