import { compileTerms } from '../features/registry.js';
import { describeLayer } from '../layers/describe.js';
import type { LayerConfig } from '../layers/spec.js';
import type { LayerModel, TrainingRow } from '../model/types.js';

/**
 * Leverage of each candidate on the terms the models kept (nonzero in any member), in relative
 * units: h(x) = zᵀ(ZᵀZ)⁻¹z with every row scaled by 1/its runtime (a candidate by 1/its predicted
 * runtime). Refitted on those terms, a model's relative prediction variance at x is σ²·h(x): h ≫ 1
 * is where the polynomial extrapolates — a layer the measured rows do not pin down on the terms that
 * matter, which distance in the configuration space cannot see (a product of two moderate features
 * can be extreme). 0 everywhere when no term was kept.
 */
export function relativeLeverage(
  models: readonly LayerModel[],
  rows: readonly TrainingRow[],
  candidates: readonly LayerConfig[],
): number[] {
  const whitened = whitenedCandidates(models, rows, candidates);
  if (whitened === null) return candidates.map(() => 0);
  const values = whitened.map((u) => (u === null ? Number.NaN : dot(u, u)));
  return worstForNonFinite(values);
}

/**
 * How much measuring each candidate would lower the mean relative prediction variance over all
 * candidates (the plan still to measure, a sample of where predictions will be asked), refitted on
 * the kept terms, in units of σ²: mean over j of (z_jᵀ(ZᵀZ)⁻¹z_x)² / (1 + h(x)). Unlike the leverage
 * at x alone, a far-out candidate that informs no other layer scores little, and a central one that
 * pins down a term many layers depend on scores much (I-optimal design). The mean is over every
 * candidate up to `maxPlan` of them, beyond that over an evenly strided `maxPlan` (the cost is
 * candidates × plan × terms). 0 everywhere when no term was kept.
 */
export function integratedVarianceReduction(
  models: readonly LayerModel[],
  rows: readonly TrainingRow[],
  candidates: readonly LayerConfig[],
  options: { readonly maxPlan?: number } = {},
): number[] {
  const whitened = whitenedCandidates(models, rows, candidates);
  if (whitened === null) return candidates.map(() => 0);
  const maxPlan = Math.max(1, Math.floor(options.maxPlan ?? 1000));
  const stride = Math.max(1, Math.ceil(whitened.length / maxPlan));
  const usable = whitened.filter((u, i): u is number[] => u !== null && i % stride === 0);
  const values = whitened.map((ux) => {
    if (ux === null) return Number.NaN;
    let acc = 0;
    for (const uj of usable) acc += dot(uj, ux) ** 2;
    return acc / Math.max(1, usable.length) / (1 + dot(ux, ux));
  });
  return worstForNonFinite(values);
}

/**
 * L⁻¹z for every candidate (z its kept-term row scaled by 1/its committee geometric-mean
 * prediction, LLᵀ = ZᵀZ of the measured rows scaled by 1/runtime): u_iᵀu_j is the relative
 * covariance of a refit's predictions at i and j, in units of σ². null for a candidate whose terms
 * are not finite; null overall when no model or no term was kept.
 */
function whitenedCandidates(
  models: readonly LayerModel[],
  rows: readonly TrainingRow[],
  candidates: readonly LayerConfig[],
): (number[] | null)[] | null {
  const first = models[0];
  if (first === undefined || rows.length === 0) return null;
  const active = first.terms.filter((_, j) => models.some((m) => m.coefficients[j] !== 0));
  if (active.length === 0) return null;
  const terms = compileTerms(first.kind, active);
  const features = (config: LayerConfig): number[] | null => {
    try {
      return [1, ...terms.row(terms.raw(describeLayer(config)))];
    } catch {
      // A term not finite here (log2 of 0): the candidate reads as maximally unknown.
      return null;
    }
  };
  const p = active.length + 1;
  const Z = rows.map((r) => features(r.config)?.map((v) => v / r.value) ?? null);
  const usable = Z.filter((z): z is number[] => z !== null);
  // Columns scaled to unit mean square: conditioning only (leverage does not depend on it).
  const scale = new Array<number>(p).fill(0);
  for (const z of usable) for (let j = 0; j < p; j++) scale[j]! += z[j]! ** 2;
  for (let j = 0; j < p; j++) scale[j] = Math.sqrt(scale[j]! / Math.max(1, usable.length)) || 1;
  const M: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (const z of usable) {
    for (let a = 0; a < p; a++) {
      const za = z[a]! / scale[a]!;
      for (let b = 0; b <= a; b++) M[a]![b]! += (za * z[b]!) / scale[b]!;
    }
  }
  // A small ridge keeps aliased terms (x and x² over a narrow range) from making ZᵀZ singular.
  for (let a = 0; a < p; a++) M[a]![a]! += 1e-6 * usable.length;
  const L = cholesky(M);
  return candidates.map((config) => {
    const f = features(config);
    if (f === null) return null;
    const preds = models.map((m) => m.predict(config)).filter((v) => v > 0 && Number.isFinite(v));
    // Scale by the committee's geometric mean prediction; none positive: the smallest measured runtime.
    const yHat =
      preds.length > 0
        ? Math.exp(preds.reduce((acc, v) => acc + Math.log(v), 0) / preds.length)
        : Math.min(...rows.map((r) => r.value));
    return forwardSolve(
      L,
      f.map((v, j) => v / yHat / scale[j]!),
    );
  });
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A candidate whose value is not finite reads as the worst finite one (maximally unknown). */
function worstForNonFinite(values: readonly number[]): number[] {
  const finite = values.filter(Number.isFinite);
  const worst = finite.length > 0 ? Math.max(...finite) : 0;
  return values.map((v) => (Number.isFinite(v) ? v : worst));
}

/** Lower-triangular L with LLᵀ = M (M symmetric positive definite, lower triangle filled). */
function cholesky(M: readonly (readonly number[])[]): number[][] {
  const p = M.length;
  const L: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = M[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      // Round-off on a near-singular matrix: clamp the pivot rather than fail.
      L[i]![j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / L[j]![j]!;
    }
  }
  return L;
}

/** u with Lu = b; then bᵀM⁻¹b = ‖u‖². */
function forwardSolve(L: readonly (readonly number[])[], b: readonly number[]): number[] {
  const u: number[] = [];
  for (let i = 0; i < b.length; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i]![k]! * u[k]!;
    u.push(s / L[i]![i]!);
  }
  return u;
}
