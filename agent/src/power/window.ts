/**
 * Power samples and window statistics.
 *
 * A sample stamped at `tMs` (host monotonic clock, on arrival) describes the interval since the
 * previous sample: exactly right for RAPL (ΔE/Δt) and for nvidia-smi's averaged `power.draw`, and as
 * good as any other hold rule for instantaneous readings. The mean over a window [t0, t1] integrates
 * that step function over the window, so samples straddling either edge count with the part of
 * their interval inside the window.
 */

export interface PowerSample {
  readonly tMs: number;
  readonly powerW: number;
}

export interface PowerWindow {
  readonly meanPowerW: number;
  /** Samples whose interval overlaps the window (straddling ones included). */
  readonly samples: number;
  readonly minPowerW: number;
  readonly maxPowerW: number;
  readonly durationMs: number;
  /** Fraction of [t0, t1] covered by sample intervals; < 1 when samples stopped or started late. */
  readonly coverage: number;
  /** True when fewer than the required samples fell in the window: do not trust the mean. */
  readonly lowSamples: boolean;
}

/**
 * Time-weighted mean over [t0, t1]. `samples` must be sorted by time. The first sample's interval
 * starts `firstIntervalMs` before it (the sampler's nominal interval). Undefined when no sample
 * interval overlaps the window.
 */
export function windowStats(
  samples: readonly PowerSample[],
  t0: number,
  t1: number,
  minSamples: number,
  firstIntervalMs: number,
): PowerWindow | undefined {
  if (!(t1 > t0)) return undefined;
  let energy = 0;
  let covered = 0;
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  // Binary search for the first sample at or after t0: earlier ones end before the window.
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid]!.tMs < t0) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < samples.length; i++) {
    const s = samples[i]!;
    const start = i > 0 ? samples[i - 1]!.tMs : s.tMs - firstIntervalMs;
    if (start >= t1) break;
    const a = Math.max(start, t0);
    const b = Math.min(s.tMs, t1);
    if (b <= a) continue;
    energy += s.powerW * (b - a);
    covered += b - a;
    count++;
    if (s.powerW < min) min = s.powerW;
    if (s.powerW > max) max = s.powerW;
  }
  if (count === 0 || covered <= 0) return undefined;
  return {
    meanPowerW: energy / covered,
    samples: count,
    minPowerW: min,
    maxPowerW: max,
    durationMs: t1 - t0,
    coverage: covered / (t1 - t0),
    lowSamples: count < minSamples,
  };
}

/** Median gap between consecutive samples: the interval the source really achieved. */
export function achievedInterval(samples: readonly PowerSample[], lastN = 200): number | undefined {
  const start = Math.max(1, samples.length - lastN);
  const gaps: number[] = [];
  for (let i = start; i < samples.length; i++) gaps.push(samples[i]!.tMs - samples[i - 1]!.tMs);
  if (gaps.length === 0) return undefined;
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1];
}
