import type { LayerRecord, Power, Precision } from '@neuralpower/protocol';
import { nowMs, sleep, yieldToEventLoop } from '../clock.js';
import { throttleReasonNames } from '../discovery/gpu.js';
import type { PreparedWork } from '../engine/engine.js';
import { energyTrials } from '../power/nvml/trials.js';
import type { PowerSampler, PowerSourceName } from '../power/sampler.js';
import { type BlockClock, type BlockTimingOptions, timeBlocks } from './blocks.js';
import { DEFAULT_TIMING, type TimingOptions, type TimingResult, timeWork } from './timing.js';

/** The block protocol (`agent/src/bench/blocks.ts`) and what it needs from the platform. */
export interface BlockProtocol {
  readonly timing: BlockTimingOptions;
  readonly clock: BlockClock;
  /** measured once per platform (`measureSyncOverhead`), copied into records */
  readonly syncOverheadMs?: number;
}

export interface MeasureOptions {
  /** Run-by-run timing (the older protocol), used when `blocks` is absent. */
  readonly timing: TimingOptions;
  /** Time with the block protocol instead; records then carry `precision`. */
  readonly blocks?: BlockProtocol;
  /** Back-to-back run time for the power window; default max(1 s, 20 × sampler interval). */
  readonly powerWindowMs?: number;
  /** Fewer samples than this in a window flags it (`lowSampleCount`). Default 10. */
  readonly minSamples: number;
  /** Idle pause after each configuration so the next one starts cool. Default 0. */
  readonly cooldownMs: number;
  /** Idle power measured at start, copied into every record for reference. */
  readonly idleW?: number;
}

export const DEFAULT_MEASURE: MeasureOptions = { timing: DEFAULT_TIMING, minSamples: 10, cooldownMs: 0 };

/** What one measurement adds to a record, whatever was measured (layer or network). */
export type Measured = Pick<
  LayerRecord,
  'runtime' | 'power' | 'energyMj' | 'clocks' | 'temperatureC' | 'throttleReasons' | 'startedAt' | 'endedAt'
> & {
  readonly timing: Pick<
    TimingResult,
    'meanMs' | 'medianMs' | 'stdMs' | 'n' | 'warmupRuns' | 'budgetExhausted'
  >;
  readonly precision?: Precision;
  readonly powerNote?: string;
};

export function defaultPowerWindowMs(intervalMs: number): number {
  return Math.max(1000, 20 * intervalMs);
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const PROTOCOL_SOURCES: Record<Exclude<PowerSourceName, 'none'>, 'nvidia-smi' | 'nvml' | 'rapl'> = {
  'nvidia-smi': 'nvidia-smi',
  nvml: 'nvml',
  rapl: 'rapl',
};

/** NVML energy-counter trials (power/nvml/trials.ts): 3 trials, rise time ≥ 200 ms dropped. */
const NVML_TRIALS = 3;

/**
 * Times a prepared layer, then (when a power source exists) runs it back to back over a window
 * long enough for many samples and takes the time-weighted mean power of that window. Energy of
 * one forward pass = mean power × the reported runtime (W × ms = mJ): the median of a block-timed
 * layer, the mean of one timed run by run (`reportedRuntimeMs` in the protocol).
 */
export async function measureWork(
  work: PreparedWork,
  sampler: PowerSampler,
  options: MeasureOptions = DEFAULT_MEASURE,
): Promise<Measured> {
  const startedAt = new Date().toISOString();
  let timing: Measured['timing'];
  let precision: Precision | undefined;
  if (options.blocks) {
    const b = await timeBlocks(work, options.blocks.clock, options.blocks.timing);
    timing = b;
    precision = {
      protocol: 'blocks',
      clock: b.clock,
      runsPerBlock: b.runsPerBlock,
      blocks: b.blocks,
      warmupRuns: b.warmupRuns,
      ciLowMs: b.ciLowMs,
      ciHighMs: b.ciHighMs,
      confidence: b.confidence,
      ciMethod: b.ciMethod,
      targetRel: b.targetRel,
      targetReached: b.targetReached,
      outlierBlocks: b.outlierBlocks,
      wallMedianMs: b.wallMedianMs,
      ...(options.blocks.syncOverheadMs !== undefined
        ? { syncOverheadMs: options.blocks.syncOverheadMs }
        : {}),
    };
  } else {
    timing = await timeWork(work, options.timing);
  }
  let power: Power = 'unavailable';
  let powerNote: string | undefined;
  let state: Pick<LayerRecord, 'clocks' | 'temperatureC' | 'throttleReasons'> = {};
  if (sampler.source !== 'none') {
    const windowMs = options.powerWindowMs ?? defaultPowerWindowMs(sampler.intervalMs);
    let t0: number;
    let t1: number;
    if (sampler.source === 'nvml') {
      // Energy counter: windows of ≥ max(1 s, 32 runs), several trials, rise time dropped.
      const period = sampler.achievedIntervalMs() ?? sampler.intervalMs;
      const trials = await energyTrials(work, sampler, {
        windowMs: Math.max(windowMs, 1000, 32 * timing.meanMs),
        minRuns: 32,
        trials: NVML_TRIALS,
        riseMs: Math.max(200, 2 * period),
        minSamples: options.minSamples,
        maxDelayMs: Math.max(period, 10),
      });
      t0 = trials?.t0Ms ?? 0;
      t1 = trials?.t1Ms ?? 0;
      if (trials) {
        // The period recorded is the one seen over the trials: before them the sampler may have seen
        // too few counter moves and only know its own poll interval.
        const observedPeriod = sampler.achievedIntervalMs() ?? period;
        power = {
          meanW: trials.meanW,
          samples: trials.samples,
          windowMs: trials.windowMs,
          source: 'nvml',
          minW: trials.minW,
          maxW: trials.maxW,
          ...(options.idleW !== undefined ? { idleW: options.idleW } : {}),
          ...(observedPeriod > 0 ? { intervalMs: observedPeriod } : {}),
          lowSampleCount: trials.lowSampleCount,
        };
      } else powerNote = 'no NVML energy-counter update covered the power windows';
    } else {
      // Yield to the event loop every few ms so samples are stamped when they arrive (CPU backends
      // block the thread); rarely enough that the device stays busy (< ~5 % idle).
      const yieldEveryMs = Math.max(0.25, Math.min(5, sampler.intervalMs / 4));
      await yieldToEventLoop();
      if (work.runBackToBack) {
        const w = await work.runBackToBack(windowMs, 1);
        t0 = w.t0Ms;
        t1 = w.t1Ms;
      } else {
        t0 = nowMs();
        let lastYield = t0;
        // Bounded by the window length: each pass is at most one configuration's runtime.
        while (nowMs() - t0 < windowMs) {
          work.run();
          await work.synchronise();
          if (nowMs() - lastYield >= yieldEveryMs) {
            await yieldToEventLoop();
            lastYield = nowMs();
          }
        }
        t1 = nowMs();
      }
      const w = await sampler.window({ t0Ms: t0, t1Ms: t1, minSamples: options.minSamples });
      if (w) {
        const interval = sampler.achievedIntervalMs();
        power = {
          meanW: w.meanPowerW,
          samples: w.samples,
          windowMs: t1 - t0,
          source: PROTOCOL_SOURCES[sampler.source],
          minW: w.minPowerW,
          maxW: w.maxPowerW,
          ...(options.idleW !== undefined ? { idleW: options.idleW } : {}),
          ...(interval !== undefined && interval > 0 ? { intervalMs: interval } : {}),
          lowSampleCount: w.lowSamples,
        };
      } else {
        powerNote = `no ${sampler.source} sample covered the ${Math.round(t1 - t0)} ms power window`;
      }
    }
    const readings = sampler.readings(t0, t1);
    const sm = median(readings.flatMap((r) => (r.smClockMHz !== undefined ? [r.smClockMHz] : [])));
    const mem = median(readings.flatMap((r) => (r.memClockMHz !== undefined ? [r.memClockMHz] : [])));
    const temps = readings.flatMap((r) => (r.temperatureC !== undefined ? [r.temperatureC] : []));
    const masks = readings.flatMap((r) => (r.throttleReasons !== undefined ? [r.throttleReasons] : []));
    state = {
      ...(sm !== undefined || mem !== undefined
        ? {
            clocks: {
              ...(sm !== undefined ? { smMHz: sm } : {}),
              ...(mem !== undefined ? { memMHz: mem } : {}),
            },
          }
        : {}),
      ...(temps.length ? { temperatureC: Math.max(...temps) } : {}),
      ...(masks.length ? { throttleReasons: throttleReasonNames(masks.reduce((a, b) => a | b, 0)) } : {}),
    };
  }
  const endedAt = new Date().toISOString();
  if (options.cooldownMs > 0) await sleep(options.cooldownMs);
  return {
    runtime: { meanMs: timing.meanMs, medianMs: timing.medianMs, stdMs: timing.stdMs, n: timing.n },
    ...(precision ? { precision } : {}),
    power,
    // Per pass at the runtime the record reports (the median when block-timed: what models fit).
    energyMj: power === 'unavailable' ? null : power.meanW * (precision ? timing.medianMs : timing.meanMs),
    ...state,
    startedAt,
    endedAt,
    timing,
    ...(powerNote ? { powerNote } : {}),
  };
}

/** Idle power over a quiet window before any work, for reference in records. */
export async function measureIdlePower(
  sampler: PowerSampler,
  durationMs: number,
): Promise<number | undefined> {
  if (sampler.source === 'none') return undefined;
  const t0 = nowMs();
  await sleep(durationMs);
  const w = await sampler.window({ t0Ms: t0, t1Ms: nowMs(), minSamples: 1 });
  return w?.meanPowerW;
}
