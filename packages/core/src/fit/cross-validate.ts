import { CdState } from './coordinate-descent.js';
import { type ErrorMetrics, errorMetrics } from './metrics.js';
import { type SortedData, standardise } from './moments.js';
import { chooseLambda, lambdaGrid } from './path.js';
import { buildProblem, centredIntercept, trainingMoments, weightedSse } from './problem.js';
import { SaturationWatch } from './saturation.js';
import type { Objective } from './types.js';
import type { ResolvedOptions } from './validate.js';

/** Everything one objective's cross-validated path produced. */
export interface ObjectiveFit {
  objective: Objective;
  lambdas: Float64Array;
  /**
   * Mean over folds of the held-out (weighted) MSE per λ; for `relative` the mean squared relative
   * error. With sample weights, each fold's error is per unit of sample weight.
   */
  cvMean: Float64Array;
  /** Standard error of cvMean across folds. */
  cvSe: Float64Array;
  chosen: number;
  /** Full-data coefficients at the chosen λ, in original units, and the intercept. */
  coefficients: Float64Array;
  intercept: number;
  /** Out-of-fold predictions at the chosen λ, in the original row order. */
  outOfFold: Float64Array;
  metrics: ErrorMetrics;
  /** Out-of-fold RMSPE weighted by the sample weights; null without them. */
  weightedRmspe: number | null;
  /** Coordinate-descent sweeps over all folds and λ, and λ solves that hit maxIter. */
  sweeps: number;
  unconverged: number;
  /**
   * λ values actually solved per fold before its path saturated (see saturation.ts; nLambdas when it
   * did not), and on all rows for the final model. Smaller λ reuse the last solution.
   */
  solvedPerFold: Int32Array;
  solvedFull: number;
}

export function fitObjective(
  sorted: SortedData,
  y: readonly number[],
  opts: ResolvedOptions,
  objective: Objective,
): ObjectiveFit {
  const K = opts.folds;
  const nL = opts.nLambdas;
  const p = sorted.p;
  const data = standardise(sorted, objective);
  const { n, U, order, foldStart } = data;

  const full = new CdState(buildProblem(data.total, p, data.yMean ** 2));
  const lambdas = lambdaGrid(full.lambdaMax(), nL, opts.lambdaMinRatio);

  const errors = new Float64Array(K * nL);
  const paths = new Float64Array(K * nL * p);
  const intercepts = new Float64Array(K * nL);
  const scratch = new Int32Array(p + 2);
  let sweeps = 0;
  let unconverged = 0;
  const solvedPerFold = new Int32Array(K);
  for (let f = 0; f < K; f++) {
    const foldM = data.foldMoments[f]!;
    const trainM = trainingMoments(data.total, foldM);
    const problem = buildProblem(trainM, p, data.yMean ** 2);
    const state = new CdState(problem);
    const tolAbs = opts.tol * problem.nullDeviance;
    const rows = foldStart[f + 1]! - foldStart[f]!;
    const watch = new SaturationWatch(trainM, p, n - rows, countUsable(problem.usable), problem.nullDeviance);
    const maxIter = watch.foldMaxIter(opts.maxIter);
    let solved = 0;
    let a = 0;
    let error = 0;
    for (let k = 0; k < nL; k++) {
      // Past saturation each smaller λ keeps the last solution (copied, so the row stays per-λ).
      if (solved === k) {
        const capped = state.unconverged;
        state.solve(lambdas[k]!, tolAbs, maxIter);
        solved++;
        a = centredIntercept(problem, state.b);
        error = weightedSse(foldM, p, state.b, a, scratch) / sorted.foldWeight[f]!;
        if (watch.saturated(state.b, a, state.unconverged > capped)) solved = -solved;
      }
      paths.set(state.b, (f * nL + k) * p);
      intercepts[f * nL + k] = a;
      errors[f * nL + k] = error;
    }
    solvedPerFold[f] = Math.abs(solved);
    sweeps += state.sweeps;
    unconverged += state.unconverged;
  }

  const cvMean = new Float64Array(nL);
  const cvSe = new Float64Array(nL);
  for (let k = 0; k < nL; k++) {
    let s = 0;
    for (let f = 0; f < K; f++) s += errors[f * nL + k]!;
    const mean = s / K;
    let v = 0;
    for (let f = 0; f < K; f++) v += (errors[f * nL + k]! - mean) ** 2;
    cvMean[k] = mean;
    cvSe[k] = Math.sqrt(v / (K - 1) / K);
  }
  const chosen = chooseLambda(cvMean, cvSe, opts.selection);

  // Out-of-fold predictions: row r of fold f from fold f's model at the chosen λ. U holds √w·z, so
  // z = U/√w with √w in column p.
  const outOfFold = new Float64Array(n);
  const nz = new Int32Array(p);
  for (let f = 0; f < K; f++) {
    const base = (f * nL + chosen) * p;
    let count = 0;
    for (let j = 0; j < p; j++) if (paths[base + j] !== 0) nz[count++] = j;
    const a = intercepts[f * nL + chosen]!;
    for (let r = foldStart[f]!; r < foldStart[f + 1]!; r++) {
      let acc = 0;
      for (let t = 0; t < count; t++) {
        const j = nz[t]!;
        acc += paths[base + j]! * U[j * n + r]!;
      }
      outOfFold[order[r]!] = data.yMean + a + acc / U[p * n + r]!;
    }
  }

  // Refit on all rows along the same path (warm starts) down to the chosen λ, or to where the full
  // path saturates first (the same rule as the folds): then the model is that last solution.
  const fullTol = opts.tol * full.problem.nullDeviance;
  const fullWatch = new SaturationWatch(
    data.total,
    p,
    n,
    countUsable(full.problem.usable),
    full.problem.nullDeviance,
  );
  let solvedFull = 0;
  for (let k = 0; k <= chosen; k++) {
    const capped = full.unconverged;
    full.solve(lambdas[k]!, fullTol, opts.maxIter);
    solvedFull++;
    if (fullWatch.saturated(full.b, centredIntercept(full.problem, full.b), full.unconverged > capped)) break;
  }
  const coefficients = new Float64Array(p);
  let intercept = data.yMean + centredIntercept(full.problem, full.b);
  for (let j = 0; j < p; j++) {
    const bj = full.b[j]!;
    if (bj !== 0 && data.scale[j]! > 0) {
      coefficients[j] = bj / data.scale[j]!;
      intercept -= coefficients[j]! * data.mean[j]!;
    }
  }
  return {
    objective,
    lambdas,
    cvMean,
    cvSe,
    chosen,
    coefficients,
    intercept,
    outOfFold,
    metrics: errorMetrics(outOfFold, y),
    weightedRmspe: sorted.weights === null ? null : weightedRmspe(outOfFold, y, sorted),
    sweeps: sweeps + full.sweeps,
    unconverged: unconverged + full.unconverged,
    solvedPerFold,
    solvedFull,
  };
}

function countUsable(usable: Uint8Array): number {
  let count = 0;
  for (const u of usable) count += u;
  return count;
}

/** √(Σ wᵢ·((ŷᵢ − yᵢ)/yᵢ)² / Σ wᵢ) over the out-of-fold predictions (original row order). */
function weightedRmspe(outOfFold: Float64Array, y: readonly number[], sorted: SortedData): number {
  const { order, weights, n } = sorted;
  let num = 0;
  let den = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r]!;
    const rel = (outOfFold[i]! - y[i]!) / y[i]!;
    num += weights![r]! * rel * rel;
    den += weights![r]!;
  }
  return Math.sqrt(num / den);
}
