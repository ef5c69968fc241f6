import { FitError } from './errors.js';
import type { LambdaSelection, LassoCvOptions, Objective } from './types.js';

export interface ResolvedOptions {
  folds: number;
  nLambdas: number;
  lambdaMinRatio: number;
  objective: Objective | 'auto';
  selection: LambdaSelection;
  seed: number;
  maxIter: number;
  tol: number;
}

export const DEFAULT_OPTIONS: ResolvedOptions = Object.freeze({
  folds: 10,
  nLambdas: 100,
  lambdaMinRatio: 1e-4,
  objective: 'auto',
  selection: 'min',
  seed: 1,
  maxIter: 100_000,
  tol: 1e-7,
});

function integerAtLeast(field: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new FitError(field, `must be an integer ≥ ${min}, got ${value}`);
  }
  return value;
}

export function resolveOptions(options: LassoCvOptions = {}): ResolvedOptions {
  const d = DEFAULT_OPTIONS;
  const folds = integerAtLeast('folds', options.folds, d.folds, 2);
  const nLambdas = integerAtLeast('nLambdas', options.nLambdas, d.nLambdas, 1);
  const maxIter = integerAtLeast('maxIter', options.maxIter, d.maxIter, 1);
  const lambdaMinRatio = options.lambdaMinRatio ?? d.lambdaMinRatio;
  if (!(lambdaMinRatio > 0 && lambdaMinRatio < 1)) {
    throw new FitError('lambdaMinRatio', `must lie in (0, 1), got ${lambdaMinRatio}`);
  }
  const tol = options.tol ?? d.tol;
  if (!(tol > 0 && Number.isFinite(tol))) throw new FitError('tol', `must be a positive number, got ${tol}`);
  const objective = options.objective ?? d.objective;
  if (objective !== 'auto' && objective !== 'squared' && objective !== 'relative') {
    throw new FitError('objective', `must be auto, squared or relative, got ${String(objective)}`);
  }
  const selection = options.selection ?? d.selection;
  if (selection !== 'min' && selection !== '1se') {
    throw new FitError('selection', `must be min or 1se, got ${String(selection)}`);
  }
  const seed = options.seed ?? d.seed;
  if (!Number.isSafeInteger(seed)) throw new FitError('seed', `must be an integer, got ${seed}`);
  return { folds, nLambdas, lambdaMinRatio, objective, selection, seed, maxIter, tol };
}

/** Checks X and y once at the boundary; returns the number of columns. */
export function validateData(X: readonly (readonly number[])[], y: readonly number[], folds: number): number {
  if (!Array.isArray(X)) throw new FitError('X', 'must be an array of rows');
  if (!Array.isArray(y)) throw new FitError('y', 'must be an array of numbers');
  if (X.length !== y.length) {
    throw new FitError('rows', `X has ${X.length} rows but y has ${y.length} values`);
  }
  const n = X.length;
  if (n < 2 * folds) {
    throw new FitError('rows', `${folds}-fold cross-validation needs at least ${2 * folds} rows, got ${n}`);
  }
  const first = X[0];
  if (!Array.isArray(first)) throw new FitError('X[0]', 'must be an array of numbers');
  const p = first.length;
  if (p === 0) throw new FitError('X[0]', 'has no columns; at least one candidate term is needed');
  for (let i = 0; i < n; i++) {
    const row = X[i];
    if (!Array.isArray(row)) throw new FitError(`X[${i}]`, 'must be an array of numbers');
    if (row.length !== p) {
      throw new FitError(`X[${i}]`, `has ${row.length} columns, expected ${p} like X[0] (ragged rows)`);
    }
    for (let j = 0; j < p; j++) {
      const v = row[j];
      // Squares and cross products enter the moments: one that overflows turns every metric into NaN.
      if (typeof v !== 'number' || !Number.isFinite(v * v)) {
        throw new FitError(
          `X[${i}][${j}]`,
          Number.isFinite(v)
            ? `is too large to fit (its square overflows), got ${v}`
            : `must be a finite number, got ${String(v)}`,
        );
      }
    }
    const t = y[i];
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new FitError(`y[${i}]`, `must be a finite number, got ${String(t)}`);
    }
    if (t <= 0) {
      throw new FitError(`y[${i}]`, `must be positive (targets are runtimes or powers), got ${t}`);
    }
    if (!Number.isFinite(t * t)) {
      throw new FitError(`y[${i}]`, `is too large to fit (its square overflows), got ${t}`);
    }
    if (!Number.isFinite(1 / (t * t))) {
      throw new FitError(`y[${i}]`, `is too small for the relative objective's weight 1/y², got ${t}`);
    }
  }
  return p;
}

/** Group keys must cover every row, and give every fold at least one group. */
export function validateGroups(groups: readonly string[], n: number, folds: number): readonly string[] {
  if (!Array.isArray(groups) || groups.length !== n) {
    throw new FitError(
      'groups',
      `must hold one key per row (${n}), got ${Array.isArray(groups) ? groups.length : typeof groups}`,
    );
  }
  const distinct = new Set(groups).size;
  if (distinct < folds) {
    throw new FitError(
      'groups',
      `${folds}-fold cross-validation needs at least ${folds} distinct groups, got ${distinct}`,
    );
  }
  return groups;
}

/**
 * Sample weights must be one finite positive number per row. Returns them scaled to mean 1, or null
 * when they are all equal: then the fit is exactly the unweighted one (not merely equal up to rounding).
 */
export function validateSampleWeights(weights: readonly number[], n: number): Float64Array | null {
  if (!Array.isArray(weights) || weights.length !== n) {
    throw new FitError(
      'sampleWeights',
      `must hold one weight per row (${n}), got ${Array.isArray(weights) ? weights.length : typeof weights}`,
    );
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i];
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) {
      throw new FitError(`sampleWeights[${i}]`, `must be a finite number > 0, got ${String(w)}`);
    }
    sum += w;
  }
  if (!Number.isFinite(sum)) throw new FitError('sampleWeights', 'are too large: their sum overflows');
  if (weights.every((w) => w === weights[0])) return null;
  const scaled = new Float64Array(n);
  for (let i = 0; i < n; i++) scaled[i] = (weights[i]! / sum) * n;
  return scaled;
}
