import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/fit/prng.js';
import { fitLassoCv } from '../src/index.js';

/** All monomials of degree 1..maxDegree in v, named like `a*b*b`, in a fixed order. */
function monomials(v: readonly number[], names: readonly string[], maxDegree: number) {
  const out: { name: string; value: number }[] = [];
  const visit = (start: number, degree: number, name: string, value: number) => {
    if (degree > 0) out.push({ name, value });
    if (degree === maxDegree) return;
    for (let i = start; i < v.length; i++) {
      visit(i, degree + 1, name ? `${name}*${names[i]}` : names[i]!, value * v[i]!);
    }
  };
  visit(0, 0, '', 1);
  return out;
}

function gaussian(rand: () => number): number {
  let s = 0;
  for (let i = 0; i < 12; i++) s += rand();
  return s - 6;
}

interface Dataset {
  X: number[][];
  y: number[];
  names: string[];
  truth: Record<string, number>;
  intercept: number;
}

/** y = 50 + 4a + 2ab + 0.5c² + N(0, 0.5²); candidates: degree ≤ 2 in a, b, c plus a constant column. */
function additiveData(n: number, seed: number): Dataset {
  const rand = mulberry32(seed);
  const truth = { a: 4, 'a*b': 2, 'c*c': 0.5 };
  const X: number[][] = [];
  const y: number[] = [];
  let names: string[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [1 + 9 * rand(), 1 + 9 * rand(), 1 + 9 * rand()];
    const terms = monomials([a, b, c], ['a', 'b', 'c'], 2);
    names = [...terms.map((t) => t.name), 'const'];
    X.push([...terms.map((t) => t.value), 7]);
    y.push(50 + 4 * a + 2 * a * b + 0.5 * c * c + 0.5 * gaussian(rand));
  }
  return { X, y, names, truth, intercept: 50 };
}

/**
 * Runtime-like: y = (0.05 + 0.01ab + 0.002abc)·(1 + 3 % noise) with a, b, c log-uniform in [1, 100],
 * so targets span ~0.06 .. ~2000 (4.5 orders of magnitude); candidates: degree ≤ 3 in a, b, c.
 */
function multiplicativeData(n: number, seed: number): Dataset {
  const rand = mulberry32(seed);
  const truth = { 'a*b': 0.01, 'a*b*c': 0.002 };
  const X: number[][] = [];
  const y: number[] = [];
  let names: string[] = [];
  const logU = () => Math.exp(rand() * Math.log(100));
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [logU(), logU(), logU()];
    const terms = monomials([a, b, c], ['a', 'b', 'c'], 3);
    names = terms.map((t) => t.name);
    X.push(terms.map((t) => t.value));
    y.push((0.05 + 0.01 * a * b + 0.002 * a * b * c) * (1 + 0.03 * gaussian(rand)));
  }
  return { X, y, names, truth, intercept: 0.05 };
}

function columnStd(X: number[][], j: number): number {
  const mean = X.reduce((s, r) => s + r[j]!, 0) / X.length;
  return Math.sqrt(X.reduce((s, r) => s + (r[j]! - mean) ** 2, 0) / X.length);
}

/** Non-zero terms must include the truth within relTol; spurious terms must contribute little. */
function expectRecovery(data: Dataset, coefficients: readonly number[], relTol: number, exact: boolean) {
  const contribution = data.names.map((_, j) => Math.abs(coefficients[j]!) * columnStd(data.X, j));
  const largest = Math.max(...contribution);
  data.names.forEach((name, j) => {
    const want = data.truth[name];
    if (want !== undefined) {
      expect(Math.abs(coefficients[j]! - want) / want, name).toBeLessThan(relTol);
    } else if (exact) {
      expect(coefficients[j], name).toBe(0);
    } else {
      expect(contribution[j]! / largest, name).toBeLessThan(0.02);
    }
  });
}

describe('fitLassoCv recovers a sparse polynomial', () => {
  const additive = additiveData(600, 3);
  const multiplicative = multiplicativeData(800, 5);

  it('squared objective: true support and coefficients; constant column gets 0', () => {
    const fit = fitLassoCv(additive.X, additive.y, { objective: 'squared' });
    expectRecovery(additive, fit.coefficients, 0.03, false);
    expect(fit.coefficients[additive.names.indexOf('const')]).toBe(0);
    expect(Math.abs(fit.intercept - additive.intercept)).toBeLessThan(1);
    expect(fit.report.objective).toBe('squared');
    expect(fit.report.rmse).toBeGreaterThan(0.4);
    expect(fit.report.rmse).toBeLessThan(0.6); // noise σ = 0.5
    const sparse = fitLassoCv(additive.X, additive.y, { objective: 'squared', selection: '1se' });
    // a·c is correlated with a; at the 1-SE λ it may keep a sliver, so no exact-support claim here.
    expectRecovery(additive, sparse.coefficients, 0.05, false);
    expect(sparse.report.nonZeroTerms).toBeLessThanOrEqual(4);
  });

  it('relative objective: true support and coefficients on targets spanning orders of magnitude', () => {
    const fit = fitLassoCv(multiplicative.X, multiplicative.y, { objective: 'relative' });
    expectRecovery(multiplicative, fit.coefficients, 0.03, false);
    expect(Math.abs(fit.intercept - multiplicative.intercept)).toBeLessThan(0.01);
    expect(fit.report.rmspe).toBeLessThan(0.035); // noise 3 %
    const sparse = fitLassoCv(multiplicative.X, multiplicative.y, {
      objective: 'relative',
      selection: '1se',
    });
    expectRecovery(multiplicative, sparse.coefficients, 0.03, true);
  });

  it('auto keeps the objective with the lower out-of-fold RMSPE and records both', () => {
    const fit = fitLassoCv(multiplicative.X, multiplicative.y);
    const { squared, relative } = fit.report.cvRmspeByObjective;
    expect(squared).toBeDefined();
    expect(relative).toBeDefined();
    expect(fit.report.objectiveMode).toBe('auto');
    expect(fit.report.objective).toBe('relative');
    expect(relative!).toBeLessThan(squared! / 3);
    expect(fit.report.rmspe).toBe(relative);
  });

  it('1-SE gives a sparser-or-equal model than min, at a larger-or-equal λ', () => {
    for (const data of [additive, multiplicative]) {
      for (const objective of ['squared', 'relative'] as const) {
        const min = fitLassoCv(data.X, data.y, { objective });
        const se = fitLassoCv(data.X, data.y, { objective, selection: '1se' });
        expect(se.report.nonZeroTerms).toBeLessThanOrEqual(min.report.nonZeroTerms);
        expect(se.report.lambda).toBeGreaterThanOrEqual(min.report.lambda);
        expect(se.report.selection).toBe('1se');
      }
    }
  });

  it('is deterministic: same inputs and seed give bit-identical output; the report is complete', () => {
    const a = fitLassoCv(multiplicative.X, multiplicative.y, { seed: 42 });
    const b = fitLassoCv(multiplicative.X, multiplicative.y, { seed: 42 });
    expect(a.coefficients.every((c, j) => Object.is(c, b.coefficients[j]))).toBe(true);
    expect(Object.is(a.intercept, b.intercept)).toBe(true);
    expect(a.report).toEqual(b.report);
    const r = a.report;
    expect(r).toMatchObject({ n: 800, candidateTerms: 19, folds: 10, seed: 42, selection: 'min' });
    expect(r.modelSize).toBe(r.nonZeroTerms + 1);
    expect(r.nonZeroTerms).toBe(a.coefficients.filter((c) => c !== 0).length);
    expect(r.within10Pct).toBeGreaterThan(0.9);
    expect(r.within10Pct).toBeLessThanOrEqual(1);
    expect(r.mape).toBeLessThan(r.rmspe);
    expect(r.lambda).toBeGreaterThan(0);
  });

  it('returns an immutable model whose predict matches the coefficients', () => {
    const fit = fitLassoCv(additive.X, additive.y, { objective: 'squared', folds: 5 });
    expect(Object.isFrozen(fit)).toBe(true);
    expect(Object.isFrozen(fit.coefficients)).toBe(true);
    expect(Object.isFrozen(fit.report)).toBe(true);
    const row = additive.X[0]!;
    const manual = row.reduce((s, v, j) => s + v * fit.coefficients[j]!, fit.intercept);
    expect(fit.predict([row])[0]).toBeCloseTo(manual, 9);
    expect(() => fit.predict([[1, 2]])).toThrow(/rows\[0\]/);
  });
});
