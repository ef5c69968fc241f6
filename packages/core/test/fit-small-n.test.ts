import { describe, expect, it } from 'vitest';
import { fitLassoCvDetailed } from '../src/fit/lasso-cv.js';
import { mulberry32 } from '../src/fit/prng.js';
import { fitLassoCv } from '../src/index.js';

/** All monomials of degree 1..3 in v (named like `a*b*b`), in a fixed order. */
function monomials(v: readonly number[], names: readonly string[]) {
  const out: { name: string; value: number }[] = [];
  const visit = (start: number, degree: number, name: string, value: number) => {
    if (degree > 0) out.push({ name, value });
    if (degree === 3) return;
    for (let i = start; i < v.length; i++) {
      visit(i, degree + 1, name ? `${name}*${names[i]}` : names[i]!, value * v[i]!);
    }
  };
  visit(0, 0, '', 1);
  return out;
}

/**
 * A fresh platform's situation: fewer rows than candidate terms. Seven raw features in 1..10, their 119
 * monomials of degree ≤ 3 (strongly correlated) plus a constant column: 120 columns. y = 5 + 3·a·b with
 * 2 % multiplicative noise: a clear, strong signal.
 */
function smallData(n: number, seed: number) {
  const rand = mulberry32(seed);
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const X: number[][] = [];
  const y: number[] = [];
  let terms: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = names.map(() => 1 + 9 * rand());
    const m = monomials(v, names);
    terms = [...m.map((t) => t.name), 'const'];
    X.push([...m.map((t) => t.value), 3]);
    const noise = (rand() + rand() + rand() - 1.5) * 0.04;
    y.push((5 + 3 * v[0]! * v[1]!) * (1 + noise));
  }
  return { X, y, terms };
}

describe('fitLassoCv with fewer rows than candidate terms (p > n)', () => {
  const train = smallData(30, 11);
  const fresh = smallData(200, 12);

  it('fits, recovers the strong signal and predicts new rows', () => {
    expect(train.terms.length).toBe(120);
    const { fit, objectives } = fitLassoCvDetailed(train.X, train.y, { folds: 5 });
    const ab = train.terms.indexOf('a*b');
    // a·b carries the signal: the largest contribution (|coefficient| × spread) of all terms.
    const spread = (j: number) => {
      const col = train.X.map((r) => r[j]!);
      return Math.max(...col) - Math.min(...col);
    };
    const contribution = fit.coefficients.map((c, j) => Math.abs(c) * spread(j));
    expect(contribution.indexOf(Math.max(...contribution))).toBe(ab);
    expect(fit.report.rmspe).toBeLessThan(0.1);
    const predicted = fit.predict(fresh.X);
    const relErr = predicted.map((p, i) => (p - fresh.y[i]!) / fresh.y[i]!);
    const rmspe = Math.sqrt(relErr.reduce((s, e) => s + e * e, 0) / relErr.length);
    expect(rmspe).toBeLessThan(0.1);
    expect(fit.report.candidateTerms).toBe(120);

    // Diagnostics: how many λ each fold solved before its path saturated (24 training rows each, so
    // the rule is on); every fold solved at least glmnet's minimum of 5, none more than the grid.
    expect(objectives.map((o) => o.objective)).toEqual(['squared', 'relative']);
    for (const o of objectives) {
      expect(o.solvedPerFold.length).toBe(5);
      for (const s of o.solvedPerFold) {
        expect(s).toBeGreaterThanOrEqual(5);
        expect(s).toBeLessThanOrEqual(100);
      }
      expect(o.solvedFull).toBeGreaterThanOrEqual(1);
      expect(o.solvedFull).toBeLessThanOrEqual(o.chosen + 1);
      // Past a fold's last solved λ its CV error is carried forward, so every λ has a finite mean.
      expect(o.cvMean.every((v) => Number.isFinite(v))).toBe(true);
    }
    // At least one fold path saturated before the end of the grid: that is the point of the rule.
    expect(objectives.some((o) => o.solvedPerFold.some((s) => s < 100))).toBe(true);
  });

  it('is deterministic: same seed gives bit-identical output', () => {
    const a = fitLassoCv(train.X, train.y, { folds: 5, seed: 7 });
    const b = fitLassoCv(train.X, train.y, { folds: 5, seed: 7 });
    expect(a.coefficients.every((c, j) => Object.is(c, b.coefficients[j]))).toBe(true);
    expect(Object.is(a.intercept, b.intercept)).toBe(true);
    expect(a.report).toEqual(b.report);
    expect(a.report.lambda).toBeGreaterThan(0);
  });

  it('leaves n ≫ p paths whole (the rule only applies with at least as many columns as rows)', () => {
    const big = smallData(400, 13);
    const cols = ['a', 'b', 'a*a', 'a*b'].map((t) => big.terms.indexOf(t));
    const X = big.X.map((r) => cols.map((j) => r[j]!));
    const { objectives } = fitLassoCvDetailed(X, big.y, { folds: 5, objective: 'squared' });
    expect(Array.from(objectives[0]!.solvedPerFold)).toEqual([100, 100, 100, 100, 100]);
  });
});
