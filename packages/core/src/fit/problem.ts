/**
 * One weighted Lasso problem in covariance form, built from a moment matrix M (see moments.ts) of the
 * training rows:  minimise ½·bᵀGb − cᵀb + λ‖b‖₁  (the same minimiser as ½Σw̃(y−a−zb)² + λ‖b‖₁, Σw̃ = 1).
 */
export interface LassoProblem {
  p: number;
  /** p×p centred, weight-normalised Gram matrix of the standardised columns. */
  G: Float64Array;
  /** Centred covariance of the columns with y. */
  c: Float64Array;
  /** Weighted training means of the standardised columns and of (y − ȳ); they give the intercept. */
  m: Float64Array;
  my: number;
  /** Weighted variance of y on the training rows: the scale of the convergence threshold. */
  nullDeviance: number;
  /** 1 where the column varies on these rows (G_jj above rounding level); others keep coefficient 0. */
  usable: Uint8Array;
}

/** Columns with a normalised variance below this are constant on the training rows. */
const MIN_VARIANCE = 1e-12;

/**
 * `yScale2` is the squared magnitude of y (ȳ²): when the training targets vary by less than ~1e-10 of
 * it, y is constant, the covariances are rounding noise and the null model is the answer.
 */
export function buildProblem(M: Float64Array, p: number, yScale2: number): LassoProblem {
  const q = p + 2;
  const W = M[p * q + p]!;
  const yRow = (p + 1) * q;
  const my = M[yRow + p]! / W;
  const m = new Float64Array(p);
  for (let j = 0; j < p; j++) m[j] = M[p * q + j]! / W;
  const G = new Float64Array(p * p);
  const c = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const mj = m[j]!;
    for (let k = 0; k <= j; k++) {
      const g = M[j * q + k]! / W - mj * m[k]!;
      G[j * p + k] = g;
      G[k * p + j] = g;
    }
    c[j] = M[yRow + j]! / W - mj * my;
  }
  const nullDeviance = Math.max(M[yRow + p + 1]! / W - my * my, 0);
  const constantY = nullDeviance <= 1e-20 * yScale2;
  const usable = new Uint8Array(p);
  for (let j = 0; j < p; j++) usable[j] = !constantY && G[j * p + j]! > MIN_VARIANCE ? 1 : 0;
  return { p, G, c, m, my, nullDeviance, usable };
}

/** Training-set moments for fold f: all rows minus that fold's rows. */
export function trainingMoments(total: Float64Array, fold: Float64Array): Float64Array {
  const out = new Float64Array(total.length);
  for (let t = 0; t < total.length; t++) out[t] = total[t]! - fold[t]!;
  return out;
}

/** Intercept on the centred scale for coefficients b: a = ȳ_train − m·b. */
export function centredIntercept(problem: LassoProblem, b: Float64Array): number {
  let a = problem.my;
  for (let j = 0; j < problem.p; j++) if (b[j] !== 0) a -= problem.m[j]! * b[j]!;
  return a;
}

/**
 * Σ wᵢ rᵢ² over the rows of moment matrix M for the model (y − ȳ) ≈ a + z·b, as the quadratic form βᵀMβ
 * with β = (b, a, −1), touching only the non-zero coefficients: O(nnz²) instead of O(rows·nnz).
 */
export function weightedSse(
  M: Float64Array,
  p: number,
  b: Float64Array,
  a: number,
  scratch: Int32Array,
): number {
  const q = p + 2;
  let nnz = 0;
  for (let j = 0; j < p; j++) if (b[j] !== 0) scratch[nnz++] = j;
  scratch[nnz++] = p;
  scratch[nnz++] = p + 1;
  let sse = 0;
  for (let s = 0; s < nnz; s++) {
    const j = scratch[s]!;
    const bj = j < p ? b[j]! : j === p ? a : -1;
    const row = j * q;
    let acc = 0;
    for (let t = 0; t < nnz; t++) {
      const k = scratch[t]!;
      const bk = k < p ? b[k]! : k === p ? a : -1;
      acc += M[row + k]! * bk;
    }
    sse += bj * acc;
  }
  return Math.max(sse, 0);
}
