import { describe, expect, it } from 'vitest';
import {
  committeeDisagreement,
  conv,
  fitCommittee,
  type LayerConfig,
  layerSignature,
  RANGE_PRESETS,
  Rng,
  realNetworkWeights,
  sampleConfig,
  selectCandidates,
  type TrainingRow,
  uncertaintyScores,
} from '../src/index.js';

describe('selectCandidates', () => {
  const scores = [0.1, 0.9, 0.5, 0.7, 0.2, 0.3, 0.8, 0.4];

  it('without a random share picks the highest scores, ties by index', () => {
    expect(selectCandidates(scores, { count: 3, randomShare: 0 })).toEqual([1, 6, 3]);
    expect(selectCandidates([1, 1, 1], { count: 2, randomShare: 0 })).toEqual([0, 1]);
  });

  it('mixes round(count × share) random picks, never twice the same, deterministic per seed', () => {
    const a = selectCandidates(scores, { count: 4, randomShare: 0.5, seed: 3 });
    expect(a).toHaveLength(4);
    expect(new Set(a).size).toBe(4);
    expect(selectCandidates(scores, { count: 4, randomShare: 0.5, seed: 3 })).toEqual(a);
    // the non-random half are the best of what the random half left
    const rest = scores.map((_, i) => i).filter((i) => !a.slice(0, 2).includes(i));
    rest.sort((x, y) => scores[y]! - scores[x]!);
    expect(a.slice(2)).toEqual(rest.slice(0, 2));
  });

  it('ranks non-finite scores last and caps count at the pool', () => {
    expect(selectCandidates([Number.NaN, 1, Number.POSITIVE_INFINITY], { count: 5, randomShare: 0 })).toEqual(
      [1, 0, 2],
    );
  });

  it('multiplies disagreement by weight, and refuses mismatched lengths', () => {
    expect(uncertaintyScores([1, 2], [0.5, 1])).toEqual([0.5, 2]);
    expect(() => uncertaintyScores([1], [1, 2])).toThrow(/1 disagreements but 2 weights/);
  });
});

describe('realNetworkWeights', () => {
  it('is 1 at the densest candidate, the floor far from every real layer', () => {
    const real = [
      [10, 10, 10, 10],
      [10.5, 10, 10, 10],
    ];
    const w = realNetworkWeights(
      [
        [10, 10, 10, 10],
        [40, 40, 40, 40],
      ],
      real,
      { floor: 0.2 },
    );
    expect(w[0]).toBeCloseTo(1, 10);
    expect(w[1]).toBeCloseTo(0.2, 10);
  });

  it('weighs nothing without real layers', () => {
    expect(realNetworkWeights([[1, 2, 3, 4]], [])).toEqual([1]);
  });
});

describe('committee', () => {
  // runtime ∝ MACs with 5 % deterministic noise
  const rng = new Rng(7);
  const rows: TrainingRow[] = Array.from({ length: 40 }, () => {
    const config = sampleConfig('conv', rng, RANGE_PRESETS.small);
    const s = layerSignature(config);
    return { config, value: 2 ** (s[0]! / 4) * config.batch * (1 + 0.05 * (rng.next() - 0.5)) };
  });

  it('is deterministic given a seed and disagrees more far outside the training data', () => {
    const committee = fitCommittee('conv', 'runtime', rows, { members: 4, seed: 2 });
    expect(committee.length).toBeGreaterThanOrEqual(2);
    const again = fitCommittee('conv', 'runtime', rows, { members: 4, seed: 2 });
    expect(again.map((m) => m.coefficients)).toEqual(committee.map((m) => m.coefficients));
    const inside: LayerConfig = rows[0]!.config;
    const outside: LayerConfig = { spec: conv(512, 3), inputs: [[224, 224, 256]], batch: 64 };
    const [dIn, dOut] = committeeDisagreement(committee, [inside, outside]);
    expect(dOut!).toBeGreaterThan(dIn!);
  });
});
