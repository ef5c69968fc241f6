import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { CdState } from '../src/fit/coordinate-descent.js';
import { fitObjective } from '../src/fit/cross-validate.js';
import { sortByFold, standardise } from '../src/fit/moments.js';
import { assignFolds, mulberry32 } from '../src/fit/prng.js';
import { buildProblem } from '../src/fit/problem.js';
import { resolveOptions } from '../src/fit/validate.js';

/** Correlated columns (shared latent factor) and a dense true model, weighted by the relative objective. */
function data(n: number, p: number, seed: number) {
  const rand = mulberry32(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = rand();
    const row = Array.from({ length: p }, () => 0.7 * z + 0.3 * rand());
    X.push(row);
    y.push(1 + row.reduce((s, v, j) => s + (j + 1) * v, 0) * (1 + 0.05 * (rand() - 0.5)));
  }
  return { X, y };
}

describe('Lasso solver internals', () => {
  const { X, y } = data(300, 6, 11);
  const sorted = sortByFold(X, y, 6, assignFolds(300, 5, 1), 5);

  it('folds are a seeded permutation with sizes differing by at most one', () => {
    const folds = assignFolds(103, 10, 9);
    const sizes = Array.from({ length: 10 }, (_, f) => folds.filter((v) => v === f).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(Array.from(assignFolds(103, 10, 9))).toEqual(Array.from(folds));
    expect(Array.from(assignFolds(103, 10, 10))).not.toEqual(Array.from(folds));
  });

  it('the Gram matrix of the standardised columns has unit diagonal and matches ml-matrix', () => {
    for (const objective of ['squared', 'relative'] as const) {
      const s = standardise(sorted, objective);
      const problem = buildProblem(s.total, 6, s.yMean ** 2);
      const w = y.map((v) => (objective === 'relative' ? 1 / (v * v) : 1));
      const wSum = w.reduce((a, b) => a + b, 0);
      const Z = new Matrix(X.map((row) => row.map((v, j) => (v - s.mean[j]!) / s.scale[j]!)));
      const WZ = new Matrix(Z.to2DArray().map((row, i) => row.map((v) => (v * w[i]!) / wSum)));
      const G = Z.transpose().mmul(WZ);
      for (let j = 0; j < 6; j++) {
        expect(problem.G[j * 6 + j]).toBeCloseTo(1, 12);
        for (let k = 0; k < 6; k++) expect(problem.G[j * 6 + k]).toBeCloseTo(G.get(j, k), 12);
      }
    }
  });

  it('at a tiny λ the solution is weighted least squares (Cholesky from ml-matrix)', () => {
    const s = standardise(sorted, 'relative');
    const problem = buildProblem(s.total, 6, s.yMean ** 2);
    const state = new CdState(problem);
    state.solve(1e-12, 1e-20, 100_000);
    const G = new Matrix(
      Array.from({ length: 6 }, (_, j) => Array.from(problem.G.subarray(j * 6, j * 6 + 6))),
    );
    const ols = new CholeskyDecomposition(G).solve(Matrix.columnVector(Array.from(problem.c)));
    for (let j = 0; j < 6; j++) expect(state.b[j]).toBeCloseTo(ols.get(j, 0), 6);
  });

  it('solutions satisfy the KKT conditions along the path', () => {
    const s = standardise(sorted, 'squared');
    const problem = buildProblem(s.total, 6, s.yMean ** 2);
    const state = new CdState(problem);
    const lambdaMax = state.lambdaMax();
    for (const ratio of [1, 0.5, 0.1, 0.01, 0.001]) {
      const lambda = lambdaMax * ratio;
      state.solve(lambda, 1e-7 * problem.nullDeviance, 100_000);
      for (let j = 0; j < 6; j++) {
        let r = problem.c[j]!;
        for (let k = 0; k < 6; k++) r -= problem.G[j * 6 + k]! * state.b[k]!;
        if (state.b[j] === 0) expect(Math.abs(r)).toBeLessThanOrEqual(lambda * (1 + 1e-9));
        else expect(r).toBeCloseTo(lambda * Math.sign(state.b[j]!), 8);
      }
    }
  });

  it('CV error from moment matrices equals the directly computed held-out error', () => {
    const foldOf = assignFolds(300, 5, 1);
    for (const objective of ['squared', 'relative'] as const) {
      const fit = fitObjective(sorted, y, resolveOptions({ folds: 5 }), objective);
      let mean = 0;
      for (let f = 0; f < 5; f++) {
        let sse = 0;
        let rows = 0;
        for (let i = 0; i < 300; i++) {
          if (foldOf[i] !== f) continue;
          const w = objective === 'relative' ? 1 / y[i]! ** 2 : 1;
          sse += w * (y[i]! - fit.outOfFold[i]!) ** 2;
          rows++;
        }
        mean += sse / rows / 5;
      }
      expect(fit.cvMean[fit.chosen]! / mean).toBeCloseTo(1, 9);
      expect(fit.unconverged).toBe(0);
    }
  });
});
