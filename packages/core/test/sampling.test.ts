import { describe, expect, it } from 'vitest';
import {
  committeeDisagreement,
  configPoint,
  conv,
  expectedErrorScores,
  fitCommittee,
  integratedVarianceReduction,
  type LayerConfig,
  layerSignature,
  nearbyMean,
  RANGE_PRESETS,
  Rng,
  realNetworkWeights,
  relativeDensity,
  relativeLeverage,
  sampleConfig,
  selectCandidates,
  selectDiverse,
  standardise,
  type TrainingRow,
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
});

describe('selectDiverse', () => {
  // Two clusters: the best scores all sit in the first, one almost as good in the second.
  const points = [
    [0, 0],
    [0.01, 0],
    [0, 0.01],
    [0.02, 0.01],
    [5, 5],
    [5.01, 5],
  ];
  const scores = [1, 0.99, 0.98, 0.97, 0.9, 0.1];

  it('spreads the scored picks instead of taking near-identical top candidates', () => {
    expect(selectCandidates(scores, { count: 2, randomShare: 0 })).toEqual([0, 1]);
    expect(selectDiverse(scores, { count: 2, randomShare: 0, points })).toEqual([0, 4]);
  });

  it('counts measured points as taken, keeps the random share, and is deterministic', () => {
    expect(selectDiverse(scores, { count: 1, randomShare: 0, points, measured: [[0, 0]] })).toEqual([4]);
    const a = selectDiverse(scores, { count: 4, randomShare: 0.5, seed: 9, points });
    expect(new Set(a).size).toBe(4);
    expect(a.slice(0, 2)).toEqual(
      selectCandidates(
        scores.map(() => 0),
        { count: 2, randomShare: 1, seed: 9 },
      ),
    );
    expect(selectDiverse(scores, { count: 4, randomShare: 0.5, seed: 9, points })).toEqual(a);
    expect(() => selectDiverse([1], { count: 1, points: [] })).toThrow(/1 scores but 0 points/);
  });
});

describe('sampling space', () => {
  it('standardises columns, reads density relative to the densest point and nearby values by distance', () => {
    const pts = standardise([
      [0, 10],
      [2, 10],
      [4, 10],
    ]);
    expect(pts.map((p) => p[1])).toEqual([10, 10, 10]);
    expect(pts[2]![0]! - pts[0]![0]!).toBeCloseTo(4 / Math.sqrt(8 / 3), 10);
    const d = relativeDensity([[0], [0.1], [9]], [[0], [0.1], [0.2], [9]], 0.5);
    expect(Math.max(...d)).toBe(1);
    expect(d[2]!).toBeLessThan(0.5);
    const near = nearbyMean([[0], [10]], [[0.1], [9.9], [50]], [1, 3, Number.NaN], {
      k: 1,
      bandwidth: 1,
      fallback: 7,
    });
    expect(near).toEqual([1, 3]);
    expect(nearbyMean([[0]], [[1]], [Number.NaN], { k: 2, bandwidth: 1, fallback: 7 })).toEqual([7]);
  });

  it('puts a bigger batch of the same layer further out on every size axis', () => {
    const one = configPoint({ spec: conv(8, 3), inputs: [[8, 8, 4]], batch: 1 });
    const four = configPoint({ spec: conv(8, 3), inputs: [[8, 8, 4]], batch: 4 });
    expect(four[4]! - one[4]!).toBe(2);
    expect(four[0]!).toBeGreaterThan(one[0]!);
    expect(four[3]).toBe(one[3]);
  });

  it('adds variance and nearby error, weighted by density, and extrapolation, by real-network weight', () => {
    const terms = { disagreement: [3, 0], nearbyError: [4, 1], density: [1, 0.5], weights: [0.5, 1] };
    expect(expectedErrorScores(terms)).toEqual([12.5, 0.5]);
    // The extrapolation term is added outside the density weight, inside the real-network weight.
    expect(expectedErrorScores({ ...terms, extrapolation: [2, 4] })).toEqual([13.5, 4.5]);
    expect(() =>
      expectedErrorScores({ disagreement: [1], nearbyError: [1, 2], density: [1], weights: [1] }),
    ).toThrow(/nearbyError/);
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
    expect(committee.members.length).toBeGreaterThanOrEqual(2);
    const again = fitCommittee('conv', 'runtime', rows, { members: 4, seed: 2 });
    expect(again.members.map((m) => m.coefficients)).toEqual(committee.members.map((m) => m.coefficients));
    expect(again.outOfBagLogError).toEqual(committee.outOfBagLogError);
    const inside: LayerConfig = rows[0]!.config;
    const outside: LayerConfig = { spec: conv(512, 3), inputs: [[224, 224, 256]], batch: 64 };
    const [dIn, dOut] = committeeDisagreement(committee.members, [inside, outside]);
    expect(dOut!).toBeGreaterThan(dIn!);
  });

  it('gives a layer outside the measured rows on the kept terms a leverage far above theirs', () => {
    const committee = fitCommittee('conv', 'runtime', rows, { members: 3, seed: 2 });
    const outside: LayerConfig = { spec: conv(512, 3), inputs: [[224, 224, 256]], batch: 64 };
    const h = relativeLeverage(committee.members, rows, [...rows.slice(0, 10).map((r) => r.config), outside]);
    expect(h).toHaveLength(11);
    for (const v of h) expect(v).toBeGreaterThanOrEqual(0);
    // Measured rows' own leverages average (kept terms + 1) / n < 1; the outside layer is way beyond.
    expect(Math.max(...h.slice(0, 10))).toBeLessThan(1);
    expect(h[10]!).toBeGreaterThan(10 * Math.max(...h.slice(0, 10)));
    expect(relativeLeverage([], rows, [outside])).toEqual([0]);
  });

  it('integrates the variance reduction over the plan: h²/(1+h) for one candidate, bounded for an outlier', () => {
    const committee = fitCommittee('conv', 'runtime', rows, { members: 3, seed: 2 });
    const outside: LayerConfig = { spec: conv(512, 3), inputs: [[224, 224, 256]], batch: 64 };
    // Alone, the plan is the candidate: the reduction at x is h²/(1 + h).
    const [h] = relativeLeverage(committee.members, rows, [outside]);
    const [alone] = integratedVarianceReduction(committee.members, rows, [outside]);
    expect(alone!).toBeCloseTo(h! ** 2 / (1 + h!), 6);
    // Among plan-like layers the outlier informs little else: by Cauchy–Schwarz its mean reduction
    // is at most the plan's mean leverage, while its own leverage is far beyond that.
    const plan = [...rows.slice(0, 10).map((r) => r.config), outside];
    const hs = relativeLeverage(committee.members, rows, plan);
    const reduction = integratedVarianceReduction(committee.members, rows, plan);
    const meanLeverage = hs.reduce((a, b) => a + b, 0) / hs.length;
    for (const v of reduction) expect(v).toBeGreaterThanOrEqual(0);
    expect(reduction[10]!).toBeLessThanOrEqual(meanLeverage * (1 + 1e-9));
    expect(hs[10]!).toBeGreaterThan(2 * reduction[10]!);
    // A plan cut to its first candidate (maxPlan 1): that candidate's own h²/(1 + h) again.
    const [first] = integratedVarianceReduction(committee.members, rows, plan, { maxPlan: 1 });
    expect(first!).toBeCloseTo(hs[0]! ** 2 / (1 + hs[0]!), 6);
    expect(integratedVarianceReduction([], rows, [outside])).toEqual([0]);
  });

  it('scores each row by the members that left it out: a row the model cannot fit reads as wrong', () => {
    // One row 20× off the trend: out of bag, the members predict the trend there.
    const bent = rows.map((r, i) => (i === 5 ? { ...r, value: r.value * 20 } : r));
    const { outOfBagLogError: oob } = fitCommittee('conv', 'runtime', bent, { members: 8, seed: 3 });
    expect(oob).toHaveLength(rows.length);
    const seen = oob.filter(Number.isFinite);
    expect(seen.length).toBeGreaterThan(rows.length / 2);
    const sorted = [...seen].sort((a, b) => a - b);
    expect(oob[5]!).toBeGreaterThan(sorted[Math.floor(sorted.length / 2)]! * 3);
  });
});
