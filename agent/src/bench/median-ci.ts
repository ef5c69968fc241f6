/**
 * Distribution-free confidence interval of the median from order statistics: the number of samples
 * below the true median is Binomial(n, ½), so [x₍ₗ₎, x₍ₙ₋ₗ₊₁₎] covers it with probability
 * 1 − 2·P(B < l). Deterministic (no resampling), valid for any continuous distribution, and
 * unaffected by how far out an outlier lies.
 */
export interface MedianInterval {
  readonly medianMs: number;
  readonly lowMs: number;
  readonly highMs: number;
  /** max(median − low, high − median) / median */
  readonly halfWidthRel: number;
  /** the coverage the ranks achieve: ≥ the confidence asked for, or less when n is too small (n < 6 at 95 %) */
  readonly coverage: number;
}

/** P(B ≤ k) for B ~ Binomial(n, ½), summed in log space so large n does not underflow. */
function binomialHalfCdf(n: number, k: number): number {
  if (k < 0) return 0;
  let logC = 0; // log C(n, 0)
  let sum = 0;
  const logHalfN = n * Math.log(0.5);
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    sum += Math.exp(logC + logHalfN);
  }
  return Math.min(1, sum);
}

function medianOfSorted(s: readonly number[]): number {
  const n = s.length;
  return n % 2 === 1 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

export function medianInterval(values: readonly number[], confidence = 0.95): MedianInterval {
  const n = values.length;
  if (n === 0) throw new Error('no values for a median interval');
  const s = [...values].sort((a, b) => a - b);
  const alpha = 1 - confidence;
  // Largest l (1-based rank) whose two-sided tail 2·P(B ≤ l − 1) stays within α; at least 1.
  let l = 1;
  while (l + 1 <= (n + 1) / 2 && 2 * binomialHalfCdf(n, l) <= alpha) l++;
  const coverage = 1 - 2 * binomialHalfCdf(n, l - 1);
  const medianMs = medianOfSorted(s);
  const lowMs = s[l - 1]!;
  const highMs = s[n - l]!;
  const halfWidthRel = medianMs > 0 ? Math.max(medianMs - lowMs, highMs - medianMs) / medianMs : 0;
  return { medianMs, lowMs, highMs, halfWidthRel, coverage };
}

/**
 * Blocks far from the rest (a GC pause, a preemption): beyond 5 robust standard deviations
 * (1.4826 · MAD) of the median, and at least `minRel` of it away so that a very steady series
 * does not call sub-percent wobble an outlier. Counted and reported, never removed.
 */
export function outlierCount(values: readonly number[], minRel = 0.05): number {
  if (values.length < 3) return 0;
  const s = [...values].sort((a, b) => a - b);
  const med = medianOfSorted(s);
  const mad = medianOfSorted(s.map((v) => Math.abs(v - med)).sort((a, b) => a - b));
  const limit = Math.max(5 * 1.4826 * mad, minRel * med);
  return values.filter((v) => Math.abs(v - med) > limit).length;
}
