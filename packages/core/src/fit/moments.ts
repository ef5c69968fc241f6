import type { Objective } from './types.js';

/**
 * The data of one objective, standardised once and reduced to per-fold moment matrices, so that every
 * later step (each fold's training Gram, held-out errors, the full-data fit) costs O(p²), not O(n·p).
 *
 * Rows are reordered so each fold is a contiguous range. Column j < p of `U` holds √wᵢ·zᵢⱼ (zⱼ the
 * weighted-standardised column j), column p holds √wᵢ and column p+1 holds √wᵢ·(yᵢ − ȳ). The moment
 * matrix of a row set is M = UᵀU over those rows, (p+2)×(p+2): it carries Σwzzᵀ, Σwz, Σwz(y−ȳ), Σw, …
 */
export interface Standardised {
  n: number;
  p: number;
  /** p + 2: the width of U and of each moment matrix. */
  q: number;
  folds: number;
  /** Weighted column means μⱼ. */
  mean: Float64Array;
  /** Weighted column standard deviations sⱼ; 0 marks a constant column (its coefficient stays 0). */
  scale: Float64Array;
  /** Weighted mean of y. */
  yMean: number;
  /** order[r] = original index of the r-th row in fold-sorted order. */
  order: Int32Array;
  /** Fold f occupies sorted rows foldStart[f] .. foldStart[f+1]−1. */
  foldStart: Int32Array;
  /** Column-major n×q, see above. */
  U: Float64Array;
  /** Per-fold moment matrices (q×q, full symmetric) and their sum, `total`. */
  foldMoments: Float64Array[];
  total: Float64Array;
}

/** Rows per cache block when accumulating moments: 256 rows × 129 columns × 8 B ≈ 260 kB stays in L2. */
const BLOCK_ROWS = 256;

export function sampleWeight(objective: Objective, y: number): number {
  return objective === 'relative' ? 1 / (y * y) : 1;
}

/**
 * The rows in fold-sorted order (stable within a fold) as a column-major copy: built once and shared by
 * both objectives, so the per-objective passes below run over contiguous memory.
 */
export interface SortedData {
  n: number;
  p: number;
  folds: number;
  /** order[r] = original index of the r-th row in fold-sorted order. */
  order: Int32Array;
  /** Fold f occupies sorted rows foldStart[f] .. foldStart[f+1]−1. */
  foldStart: Int32Array;
  /** Column-major n×p copy of X in sorted order. */
  columns: Float64Array;
  /** y in sorted order. */
  y: Float64Array;
  /** Sample weights in sorted order (mean 1), or null: every row weighs 1. */
  weights: Float64Array | null;
  /** Σ sample weights of each fold's rows (its row count when unweighted): held-out errors are per unit weight. */
  foldWeight: Float64Array;
}

/** Rows per block of the transpose: reads stay within a few rows, writes are 32 contiguous values. */
const TRANSPOSE_ROWS = 32;

export function sortByFold(
  X: readonly (readonly number[])[],
  y: readonly number[],
  p: number,
  foldOf: Int32Array,
  folds: number,
  sampleWeights: Float64Array | null = null,
): SortedData {
  const n = y.length;
  const foldStart = new Int32Array(folds + 1);
  for (let i = 0; i < n; i++) {
    const f = foldOf[i]! + 1;
    foldStart[f] = foldStart[f]! + 1;
  }
  for (let f = 0; f < folds; f++) foldStart[f + 1] = foldStart[f + 1]! + foldStart[f]!;
  const fill = foldStart.slice(0, folds);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[foldOf[i]!]!++] = i;

  const columns = new Float64Array(n * p);
  const ySorted = new Float64Array(n);
  for (let r0 = 0; r0 < n; r0 += TRANSPOSE_ROWS) {
    const r1 = Math.min(r0 + TRANSPOSE_ROWS, n);
    for (let j = 0; j < p; j++) {
      const o = j * n;
      for (let r = r0; r < r1; r++) columns[o + r] = X[order[r]!]![j]!;
    }
  }
  for (let r = 0; r < n; r++) ySorted[r] = y[order[r]!]!;
  const weights = sampleWeights === null ? null : new Float64Array(n);
  const foldWeight = new Float64Array(folds);
  for (let f = 0; f < folds; f++) {
    if (weights === null) {
      foldWeight[f] = foldStart[f + 1]! - foldStart[f]!;
      continue;
    }
    let sum = 0;
    for (let r = foldStart[f]!; r < foldStart[f + 1]!; r++) {
      weights[r] = sampleWeights![order[r]!]!;
      sum += weights[r]!;
    }
    foldWeight[f] = sum;
  }
  return { n, p, folds, order, foldStart, columns, y: ySorted, weights, foldWeight };
}

export function standardise(data: SortedData, objective: Objective): Standardised {
  const { n, p, folds, order, foldStart, columns } = data;
  const y = data.y;
  const q = p + 2;
  const w = new Float64Array(n);
  let wSum = 0;
  let wySum = 0;
  for (let r = 0; r < n; r++) {
    const wr =
      data.weights === null
        ? sampleWeight(objective, y[r]!)
        : sampleWeight(objective, y[r]!) * data.weights[r]!;
    w[r] = wr;
    wSum += wr;
    wySum += wr * y[r]!;
  }
  const yMean = wySum / wSum;

  const sw = new Float64Array(n);
  for (let r = 0; r < n; r++) sw[r] = Math.sqrt(w[r]!);
  const U = new Float64Array(n * q);
  const mean = new Float64Array(p);
  const scale = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const o = j * n;
    // Two-pass weighted mean and standard deviation.
    let m = 0;
    for (let r = 0; r < n; r++) m += w[r]! * columns[o + r]!;
    m /= wSum;
    let v = 0;
    for (let r = 0; r < n; r++) {
      const d = columns[o + r]! - m;
      v += w[r]! * d * d;
    }
    const sd = Math.sqrt(v / wSum);
    // A column whose spread is at rounding level relative to its mean is constant for our purposes.
    const s = sd > 1e-12 * Math.abs(m) && sd > 0 ? sd : 0;
    mean[j] = m;
    scale[j] = s;
    if (s === 0) continue;
    const inv = 1 / s;
    for (let r = 0; r < n; r++) U[o + r] = sw[r]! * (columns[o + r]! - m) * inv;
  }
  for (let r = 0; r < n; r++) {
    U[p * n + r] = sw[r]!;
    U[(p + 1) * n + r] = sw[r]! * (y[r]! - yMean);
  }

  const foldMoments: Float64Array[] = [];
  const total = new Float64Array(q * q);
  for (let f = 0; f < folds; f++) {
    const M = new Float64Array(q * q);
    accumulateMoments(U, n, q, foldStart[f]!, foldStart[f + 1]!, M);
    for (let t = 0; t < q * q; t++) total[t] = total[t]! + M[t]!;
    foldMoments.push(M);
  }
  return { n, p, q, folds, mean, scale, yMean, order, foldStart, U, foldMoments, total };
}

/** M += UᵀU over rows [from, to), lower triangle by cache blocks, then mirrored. */
function accumulateMoments(U: Float64Array, n: number, q: number, from: number, to: number, M: Float64Array) {
  for (let r0 = from; r0 < to; r0 += BLOCK_ROWS) {
    const r1 = Math.min(r0 + BLOCK_ROWS, to);
    let j = 0;
    // Two rows × four columns of M at a time: 8 products share 6 loads.
    for (; j + 1 < q; j += 2) {
      const oa = j * n;
      const ob = oa + n;
      const ma = j * q;
      const mb = ma + q;
      let k = 0;
      for (; k + 3 <= j; k += 4) {
        const o0 = k * n;
        const o1 = o0 + n;
        const o2 = o1 + n;
        const o3 = o2 + n;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        let b0 = 0;
        let b1 = 0;
        let b2 = 0;
        let b3 = 0;
        for (let r = r0; r < r1; r++) {
          const ua = U[oa + r]!;
          const ub = U[ob + r]!;
          const u0 = U[o0 + r]!;
          const u1 = U[o1 + r]!;
          const u2 = U[o2 + r]!;
          const u3 = U[o3 + r]!;
          a0 += ua * u0;
          a1 += ua * u1;
          a2 += ua * u2;
          a3 += ua * u3;
          b0 += ub * u0;
          b1 += ub * u1;
          b2 += ub * u2;
          b3 += ub * u3;
        }
        M[ma + k] = M[ma + k]! + a0;
        M[ma + k + 1] = M[ma + k + 1]! + a1;
        M[ma + k + 2] = M[ma + k + 2]! + a2;
        M[ma + k + 3] = M[ma + k + 3]! + a3;
        M[mb + k] = M[mb + k]! + b0;
        M[mb + k + 1] = M[mb + k + 1]! + b1;
        M[mb + k + 2] = M[mb + k + 2]! + b2;
        M[mb + k + 3] = M[mb + k + 3]! + b3;
      }
      for (let kk = k; kk <= j; kk++) dotInto(U, oa, kk * n, r0, r1, M, ma + kk);
      for (let kk = k; kk <= j + 1; kk++) dotInto(U, ob, kk * n, r0, r1, M, mb + kk);
    }
    for (; j < q; j++) for (let k = 0; k <= j; k++) dotInto(U, j * n, k * n, r0, r1, M, j * q + k);
  }
  for (let j = 0; j < q; j++) for (let k = 0; k < j; k++) M[k * q + j] = M[j * q + k]!;
}

function dotInto(
  U: Float64Array,
  oa: number,
  ob: number,
  r0: number,
  r1: number,
  M: Float64Array,
  at: number,
) {
  let acc = 0;
  for (let r = r0; r < r1; r++) acc += U[oa + r]! * U[ob + r]!;
  M[at] = M[at]! + acc;
}
