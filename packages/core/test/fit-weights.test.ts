import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/fit/prng.js';
import {
  FitError,
  fitLassoCv,
  fitLayerModel,
  type LinearFit,
  parseModel,
  serializeModel,
  trainingSetHash,
} from '../src/index.js';
import { syntheticConvRows } from './helpers/synthetic.js';

/** y = (1 + 0.5a + 0.2ab + 0.05c²)·(1 + 2 % noise), a, b, c in [1, 10]; candidates: degree ≤ 2. */
function data(n: number, seed: number) {
  const rand = mulberry32(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [1 + 9 * rand(), 1 + 9 * rand(), 1 + 9 * rand()];
    X.push([a, b, c, a * a, a * b, a * c, b * b, b * c, c * c]);
    y.push(law(a, b, c) * (1 + 0.02 * (rand() + rand() + rand() - 1.5)));
  }
  return { X, y };
}

function law(a: number, b: number, c: number): number {
  return 1 + 0.5 * a + 0.2 * a * b + 0.05 * c * c;
}

function sameFit(a: LinearFit, b: LinearFit) {
  expect(a.coefficients).toEqual(b.coefficients);
  expect(a.intercept).toBe(b.intercept);
  expect(a.report).toEqual(b.report);
}

const options = { folds: 5, nLambdas: 30 } as const;

describe('fitLassoCv sample weights', () => {
  const { X, y } = data(80, 7);

  it('equal weights give exactly the unweighted fit', () => {
    const plain = fitLassoCv(X, y, options);
    expect(plain.report.weighted).toBeUndefined();
    sameFit(fitLassoCv(X, y, { ...options, sampleWeights: y.map(() => 1) }), plain);
    sameFit(fitLassoCv(X, y, { ...options, sampleWeights: y.map(() => 3.7) }), plain);
  });

  it('a weight of 2 is the row counted twice (same folds), and only ratios matter', () => {
    // Rows 0..19 doubled: appended copies carry the same group key, so they share their original's fold.
    const twice = Array.from({ length: 20 }, (_, i) => i);
    const groups = y.map((_, i) => `g${i}`);
    const duplicated = fitLassoCv([...X, ...twice.map((i) => X[i]!)], [...y, ...twice.map((i) => y[i]!)], {
      ...options,
      groups: [...groups, ...twice.map((i) => groups[i]!)],
    });
    const weights = y.map((_, i) => (i < 20 ? 2 : 1));
    const weighted = fitLassoCv(X, y, { ...options, groups, sampleWeights: weights });
    const scaled = fitLassoCv(X, y, { ...options, groups, sampleWeights: weights.map((w) => w * 0.01) });
    for (const fit of [weighted, scaled]) {
      expect(fit.report.objective).toBe(duplicated.report.objective);
      expect(fit.report.lambda).toBeCloseTo(duplicated.report.lambda, 10);
      expect(fit.intercept).toBeCloseTo(duplicated.intercept, 8);
      fit.coefficients.forEach((c, j) => {
        expect(c).toBeCloseTo(duplicated.coefficients[j]!, 8);
      });
      // The weighted out-of-fold RMSPE is the duplicated set's plain one.
      expect(fit.report.weighted!.rmspe).toBeCloseTo(duplicated.report.rmspe, 10);
      expect(fit.report.weighted!.effectiveRows).toBeCloseTo(100 ** 2 / (20 * 4 + 60), 10);
    }
  });

  it('is deterministic', () => {
    const weights = y.map((_, i) => 1 + (i % 7));
    sameFit(
      fitLassoCv(X, y, { ...options, sampleWeights: weights }),
      fitLassoCv(X, y, { ...options, sampleWeights: weights }),
    );
  });

  it('down-weighted noisy rows hurt less: lower error on clean held-out rows than unweighted', () => {
    // 60 training rows, a third of them measured badly (×0.5..×2.5) and weighted 1/100.
    const rand = mulberry32(11);
    const train = data(60, 21);
    const noisy = train.y.map((_, i) => i % 3 === 0);
    const yNoisy = train.y.map((v, i) => (noisy[i] ? v * (0.5 + 2 * rand()) : v));
    const weights = noisy.map((bad) => (bad ? 0.01 : 1));
    const test = data(200, 99);
    const truth = test.X.map((r) => law(r[0]!, r[1]!, r[2]!));
    const rmspe = (fit: LinearFit) => {
      const predicted = fit.predict(test.X);
      return Math.sqrt(truth.reduce((s, t, i) => s + ((predicted[i]! - t) / t) ** 2, 0) / truth.length);
    };
    const unweighted = rmspe(fitLassoCv(train.X, yNoisy, options));
    const weighted = rmspe(fitLassoCv(train.X, yNoisy, { ...options, sampleWeights: weights }));
    expect(weighted).toBeLessThan(0.5 * unweighted);
    expect(weighted).toBeLessThan(0.03);
  });

  it('refuses weights that are missing, non-positive or not finite, naming the row', () => {
    expect(() => fitLassoCv(X, y, { ...options, sampleWeights: [1, 2] })).toThrow(
      /sampleWeights: must hold one weight per row \(80\), got 2/,
    );
    const bad = y.map(() => 1);
    bad[4] = 0;
    expect(() => fitLassoCv(X, y, { ...options, sampleWeights: bad })).toThrow(FitError);
    expect(() => fitLassoCv(X, y, { ...options, sampleWeights: bad })).toThrow(
      /sampleWeights\[4\]: must be a finite number > 0, got 0/,
    );
    bad[4] = Number.NaN;
    expect(() => fitLassoCv(X, y, { ...options, sampleWeights: bad })).toThrow(/sampleWeights\[4\]/);
  });
});

describe('fitLayerModel row weights', () => {
  const rows = syntheticConvRows(40, 3);
  const weighted = rows.map((r, i) => ({ ...r, weight: i % 4 === 0 ? 0.05 : 1 }));

  it('pass into the fitter, are part of the training-set hash, and the report survives a round trip', () => {
    const model = fitLayerModel('conv', 'runtime', weighted, { folds: 5, nLambdas: 20 });
    expect(model.report.weighted?.effectiveRows).toBeGreaterThan(25);
    expect(model.report.weighted?.effectiveRows).toBeLessThan(40);
    expect(model.training.hash).toBe(trainingSetHash(weighted));
    expect(trainingSetHash(weighted)).not.toBe(trainingSetHash(rows));
    // Rows without weights hash as they always did (spec, inputs, batch, value).
    expect(trainingSetHash(rows)).toBe(trainingSetHash(rows.map(({ config, value }) => ({ config, value }))));
    const text = JSON.stringify(serializeModel(model));
    expect(JSON.stringify(serializeModel(parseModel(JSON.parse(text))))).toBe(text);
  });

  it('all rows at weight 1 fit exactly like rows without weights', () => {
    const ones = fitLayerModel(
      'conv',
      'runtime',
      rows.map((r) => ({ ...r, weight: 1 })),
      { folds: 5, nLambdas: 20 },
    );
    const none = fitLayerModel('conv', 'runtime', rows, { folds: 5, nLambdas: 20 });
    expect(ones.coefficients).toEqual(none.coefficients);
    expect(ones.report).toEqual(none.report);
  });

  it('a bad weight names its row', () => {
    const bad = weighted.map((r, i) => (i === 6 ? { ...r, weight: -1 } : r));
    expect(() => fitLayerModel('conv', 'runtime', bad, { folds: 5 })).toThrow(
      /rows\[6\]\.weight: must be a finite number > 0/,
    );
  });
});
