import { Rng } from '@neuralpower/core';
import type { MedianInterval } from './median-ci.js';

/**
 * Percentile-bootstrap confidence interval of the median: `resamples` samples of n drawn with
 * replacement, the interval is the (α/2, 1 − α/2) quantiles of their medians. Seeded, so the same
 * blocks always give the same interval. Unlike order statistics it is not exact for small n (the
 * bootstrap distribution of a median is lumpy below ~20 values), but it uses the values between
 * the ranks and so narrows faster on a steady series. A resample needs no sort: counts per rank
 * of the sorted values, walked to the middle, give its median in O(n).
 */
export function bootstrapMedianInterval(
  values: readonly number[],
  confidence = 0.95,
  resamples = 1000,
  seed = 1,
): MedianInterval {
  const n = values.length;
  if (n === 0) throw new Error('no values for a median interval');
  const s = [...values].sort((a, b) => a - b);
  const medianMs = n % 2 === 1 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  const rng = new Rng(seed);
  const counts = new Uint32Array(n);
  const medians = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[Math.floor(rng.next() * n)]!++;
    medians[r] = resampleMedian(s, counts);
  }
  medians.sort();
  const alpha = 1 - confidence;
  const lowMs = medians[Math.floor((alpha / 2) * (resamples - 1))]!;
  const highMs = medians[Math.ceil((1 - alpha / 2) * (resamples - 1))]!;
  const halfWidthRel = medianMs > 0 ? Math.max(medianMs - lowMs, highMs - medianMs) / medianMs : 0;
  // Nominal: the bootstrap has no exact coverage; below 6 values it cannot reach 95 % either.
  return { medianMs, lowMs, highMs, halfWidthRel, coverage: n >= 6 ? confidence : 0 };
}

/** Median of a resample given as counts per rank of the sorted values `s`. */
function resampleMedian(s: readonly number[], counts: Uint32Array): number {
  const n = s.length;
  // 0-based positions of the middle value(s) in the sorted resample
  const lo = (n - 1) >> 1;
  const hi = n >> 1;
  let seen = 0;
  let low: number | undefined;
  for (let i = 0; i < n; i++) {
    seen += counts[i]!;
    if (low === undefined && seen > lo) low = s[i]!;
    if (seen > hi) return (low! + s[i]!) / 2;
  }
  return s[n - 1]!;
}
