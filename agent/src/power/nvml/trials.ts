import { nowMs, sleep, yieldToEventLoop } from '../../clock.js';
import type { BackToBackWindow, PreparedWork } from '../../engine/engine.js';
import type { PowerSampler } from '../sampler.js';

/**
 * The measurement protocol of Yang et al., "Part-time Power Measurements: nvidia-smi's Lack of
 * Attention" (arXiv 2312.02741), applied to NVML's energy counter:
 * - each trial runs the work back to back, bracketed by device synchronisation, for at least
 *   max(1 s, 32 runs) after a rise time that is dropped (power ramps up when work starts);
 * - trials start after a random delay of up to one counter update period, so the windows do not
 *   stay phase-locked to the counter's updates;
 * - mean power = mean of the trials' counter-derived means (ΔE/Δt over each window).
 * Energy per forward pass is then mean power × mean runtime, which equals ΔE / runs for
 * back-to-back runs. Idle power is reported separately and never subtracted.
 */
export interface TrialOptions {
  /** Kept window per trial (after the rise time): at least max(1000 ms, 32 runs). */
  readonly windowMs: number;
  readonly minRuns: number;
  readonly trials: number;
  /** Dropped at the start of every trial. */
  readonly riseMs: number;
  readonly minSamples: number;
  /** Upper bound of the random delay before each trial (the counter's update period). */
  readonly maxDelayMs: number;
  readonly random?: () => number;
}

export interface TrialsResult {
  readonly meanW: number;
  readonly minW: number;
  readonly maxW: number;
  /** Counter moves (or instant samples) inside the kept windows, all trials. */
  readonly samples: number;
  /** Kept window length, all trials (rise times excluded). */
  readonly windowMs: number;
  readonly trials: number;
  readonly lowSampleCount: boolean;
  /** First and last kept instants, host clock (for clocks/temperature readings). */
  readonly t0Ms: number;
  readonly t1Ms: number;
}

/** Back to back in this process for engines that cannot do it themselves (tfjs). */
async function loopHere(work: PreparedWork, minMs: number, minRuns: number): Promise<BackToBackWindow> {
  await work.synchronise();
  const t0Ms = nowMs();
  let runs = 0;
  while (runs < minRuns || nowMs() - t0Ms < minMs) {
    work.run();
    await work.synchronise();
    runs++;
    if (runs % 16 === 0) await yieldToEventLoop();
  }
  return { runs, t0Ms, t1Ms: nowMs() };
}

export async function energyTrials(
  work: PreparedWork,
  sampler: PowerSampler,
  options: TrialOptions,
): Promise<TrialsResult | undefined> {
  const random = options.random ?? Math.random;
  const means: number[] = [];
  let samples = 0;
  let windowMs = 0;
  let minW = Number.POSITIVE_INFINITY;
  let maxW = Number.NEGATIVE_INFINITY;
  let low = false;
  let first: number | undefined;
  let last = 0;
  for (let i = 0; i < options.trials; i++) {
    await sleep(random() * options.maxDelayMs);
    const total = options.riseMs + options.windowMs;
    const w = work.runBackToBack
      ? await work.runBackToBack(total, options.minRuns)
      : await loopHere(work, total, options.minRuns);
    const t0 = w.t0Ms + options.riseMs;
    const stats = await sampler.window({ t0Ms: t0, t1Ms: w.t1Ms, minSamples: options.minSamples });
    if (!stats) continue;
    means.push(stats.meanPowerW);
    samples += stats.samples;
    windowMs += w.t1Ms - t0;
    minW = Math.min(minW, stats.minPowerW);
    maxW = Math.max(maxW, stats.maxPowerW);
    low ||= stats.lowSamples;
    first ??= t0;
    last = w.t1Ms;
  }
  if (means.length === 0 || first === undefined) return undefined;
  return {
    meanW: means.reduce((a, b) => a + b, 0) / means.length,
    minW,
    maxW,
    samples,
    windowMs,
    trials: means.length,
    lowSampleCount: low,
    t0Ms: first,
    t1Ms: last,
  };
}
