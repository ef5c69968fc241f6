import { describe, expect, it } from 'vitest';
import {
  assignFolds,
  assignGroupedFolds,
  buildNetwork,
  conv,
  createModelSet,
  fitLayerModel,
  INTERVAL_LEVEL,
  predictNetwork,
} from '../src/index.js';
import { syntheticConvRows } from './helpers/synthetic.js';

describe('prediction interval', () => {
  // ±10 % uniform noise: the central 90 % of measured/true lies within about 0.91..1.09.
  const model = fitLayerModel('conv', 'runtime', syntheticConvRows(400, 11, 0.1), { folds: 5 });

  it('is stored with the model from the out-of-fold residuals', () => {
    const iv = model.interval!;
    expect(iv.level).toBe(INTERVAL_LEVEL);
    expect(iv.n).toBe(400);
    expect(iv.lowRatio).toBeGreaterThan(0.85);
    expect(iv.lowRatio).toBeLessThan(0.95);
    expect(iv.highRatio).toBeGreaterThan(1.05);
    expect(iv.highRatio).toBeLessThan(1.15);
    expect(model.intervalOf(2)).toEqual({ low: 2 * iv.lowRatio, high: 2 * iv.highRatio });
  });

  it('covers about 90 % of fresh layers from the same process', () => {
    const fresh = syntheticConvRows(1000, 99, 0.1);
    let inside = 0;
    for (const r of fresh) {
      const { low, high } = model.intervalOf(model.predict(r.config))!;
      if (r.value >= low && r.value <= high) inside++;
    }
    expect(inside / fresh.length).toBeGreaterThan(0.85);
    expect(inside / fresh.length).toBeLessThan(0.95);
  });

  it('adds up over a network and rides on every layer row', () => {
    const network = buildNetwork({
      name: 'two-conv',
      batch: 8,
      input: [32, 32, 3],
      nodes: [
        { name: 'c1', spec: conv(16, 3), parents: [] },
        { name: 'c2', spec: conv(32, 3), parents: ['c1'] },
      ],
    });
    const p = predictNetwork(network, createModelSet([model]));
    const [a, b] = p.layers;
    expect(a!.runtimeRangeMs!.low).toBeLessThan(a!.runtimeMs!);
    expect(a!.runtimeRangeMs!.high).toBeGreaterThan(a!.runtimeMs!);
    expect(p.totals.runtimeRangeMs!.low).toBeCloseTo(a!.runtimeRangeMs!.low + b!.runtimeRangeMs!.low, 12);
    expect(p.totals.runtimeRangeMs!.high).toBeCloseTo(a!.runtimeRangeMs!.high + b!.runtimeRangeMs!.high, 12);
  });
});

describe('grouped folds', () => {
  it('keep equal keys in one fold and equal assignFolds when every key is distinct', () => {
    const keys = Array.from({ length: 50 }, (_, i) => `shape${i % 17}`);
    const folds = assignGroupedFolds(keys, 5, 3);
    for (let i = 0; i < keys.length; i++) expect(folds[i]).toBe(folds[i % 17]);
    expect(new Set(folds).size).toBe(5);
    const distinct = Array.from({ length: 40 }, (_, i) => `k${i}`);
    expect(Array.from(assignGroupedFolds(distinct, 10, 7))).toEqual(Array.from(assignFolds(40, 10, 7)));
  });

  it('repeated measurements of one layer never straddle a split in fitLayerModel', () => {
    // Each layer measured three times: with row folds a held-out row has its twins in training.
    const base = syntheticConvRows(40, 5, 0.1);
    const rows = base.flatMap((r) => [r, { ...r, value: r.value * 1.01 }, { ...r, value: r.value * 0.99 }]);
    const grouped = fitLayerModel('conv', 'runtime', rows, { folds: 5 });
    const leaky = fitLayerModel('conv', 'runtime', rows, { folds: 5, groups: rows.map((_, i) => String(i)) });
    // Leaking twins makes the out-of-fold error look better than it is.
    expect(grouped.report.rmspe).toBeGreaterThan(leaky.report.rmspe);
  });
});
