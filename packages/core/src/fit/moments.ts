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

export function standardise(
  X: readonly (readonly number[])[],
  y: readonly number[],
  p: number,
  foldOf: Int32Array,
  folds: number,
  objective: Objective,
): Standardised {
  const n = y.length;
  const q = p + 2;
  const w = new Float64Array(n);
  let wSum = 0;
  let wySum = 0;
  for (let i = 0; i < n; i++) {
    const wi = sampleWeight(objective, y[i]!);
    w[i] = wi;
    wSum += wi;
    wySum += wi * y[i]!;
  }
  const yMean = wySum / wSum;

  // Two-pass weighted mean and standard deviation per column (one pass over rows for each).
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const row = X[i]!;
    const wi = w[i]!;
    for (let j = 0; j < p; j++) mean[j] = mean[j]! + wi * row[j]!;
  }
  for (let j = 0; j < p; j++) mean[j] = mean[j]! / wSum;
  const variance = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const row = X[i]!;
    const wi = w[i]!;
    for (let j = 0; j < p; j++) {
      const d = row[j]! - mean[j]!;
      variance[j] = variance[j]! + wi * d * d;
    }
  }
  const scale = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const s = Math.sqrt(variance[j]! / wSum);
    // A column whose spread is at rounding level relative to its mean is constant for our purposes.
    scale[j] = s > 1e-12 * Math.abs(mean[j]!) && s > 0 ? s : 0;
  }

  // Fold-sorted row order (stable within a fold).
  const foldStart = new Int32Array(folds + 1);
  for (let i = 0; i < n; i++) {
    const f = foldOf[i]! + 1;
    foldStart[f] = foldStart[f]! + 1;
  }
  for (let f = 0; f < folds; f++) foldStart[f + 1] = foldStart[f + 1]! + foldStart[f]!;
  const fill = foldStart.slice(0, folds);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[foldOf[i]!]!++] = i;

  const U = new Float64Array(n * q);
  const inv = new Float64Array(p);
  for (let j = 0; j < p; j++) inv[j] = scale[j]! > 0 ? 1 / scale[j]! : 0;
  for (let r = 0; r < n; r++) {
    const i = order[r]!;
    const row = X[i]!;
    const sw = Math.sqrt(w[i]!);
    for (let j = 0; j < p; j++) U[j * n + r] = sw * (row[j]! - mean[j]!) * inv[j]!;
    U[p * n + r] = sw;
    U[(p + 1) * n + r] = sw * (y[i]! - yMean);
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
    for (let j = 0; j < q; j++) {
      const oj = j * n;
      const mj = j * q;
      let k = 0;
      // Four dot products at once share the loads of column j.
      for (; k + 3 <= j; k += 4) {
        const o0 = k * n;
        const o1 = o0 + n;
        const o2 = o1 + n;
        const o3 = o2 + n;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let r = r0; r < r1; r++) {
          const u = U[oj + r]!;
          a0 += u * U[o0 + r]!;
          a1 += u * U[o1 + r]!;
          a2 += u * U[o2 + r]!;
          a3 += u * U[o3 + r]!;
        }
        M[mj + k] = M[mj + k]! + a0;
        M[mj + k + 1] = M[mj + k + 1]! + a1;
        M[mj + k + 2] = M[mj + k + 2]! + a2;
        M[mj + k + 3] = M[mj + k + 3]! + a3;
      }
      for (; k <= j; k++) {
        const ok = k * n;
        let a = 0;
        for (let r = r0; r < r1; r++) a += U[oj + r]! * U[ok + r]!;
        M[mj + k] = M[mj + k]! + a;
      }
    }
  }
  for (let j = 0; j < q; j++) for (let k = 0; k < j; k++) M[k * q + j] = M[j * q + k]!;
}
