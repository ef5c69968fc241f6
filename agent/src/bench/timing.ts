import { nowMs, yieldToEventLoop } from '../clock.js';
import type { PreparedWork } from '../engine/engine.js';
import { timeInEngine } from './engine-timing.js';
import { type RuntimeSummary, summarise } from './stats.js';

export interface TimingOptions {
  /** Untimed runs first (JIT, kernel selection, allocator warm-up). Default 10. */
  readonly warmupRuns: number;
  /** Timed runs wanted. Default 50. */
  readonly minRuns: number;
  /** Keep timing at least this long even after minRuns (short layers get more runs). Default 0. */
  readonly minDurationMs: number;
  /**
   * Wall-clock budget for warm-up plus timed runs. When it runs out, timing stops after at least
   * `minRunsUnderBudget` runs and the result says it was cut short. Keeps CPU sweeps practical.
   */
  readonly budgetMs: number;
  readonly minRunsUnderBudget: number;
}

export const DEFAULT_TIMING: TimingOptions = {
  warmupRuns: 10,
  minRuns: 50,
  minDurationMs: 0,
  budgetMs: 30_000,
  minRunsUnderBudget: 3,
};

export interface TimingResult extends RuntimeSummary {
  readonly warmupRuns: number;
  /** True when the budget stopped timing before minRuns / minDuration were reached. */
  readonly budgetExhausted: boolean;
}

/** One synchronised forward pass on the host monotonic clock. */
export async function timeOnce(work: PreparedWork): Promise<number> {
  const t0 = nowMs();
  work.run();
  await work.synchronise();
  return nowMs() - t0;
}

export async function timeWork(
  work: PreparedWork,
  options: TimingOptions = DEFAULT_TIMING,
): Promise<TimingResult> {
  // Engines in another process (torch) run the loop themselves: no pipe round trip per run.
  if (work.timeBlocks) return timeInEngine({ timeBlocks: work.timeBlocks.bind(work) }, options);
  const start = nowMs();
  const overBudget = () => nowMs() - start > options.budgetMs;
  let warmups = 0;
  // Warm-up yields to the budget too: one huge layer must not stall a CPU sweep for minutes.
  while (warmups < options.warmupRuns && !(warmups >= 1 && overBudget())) {
    await timeOnce(work);
    await yieldToEventLoop();
    warmups++;
  }
  const samples: number[] = [];
  const timedStart = nowMs();
  let exhausted = false;
  for (;;) {
    const enough = samples.length >= options.minRuns && nowMs() - timedStart >= options.minDurationMs;
    if (enough) break;
    if (samples.length >= options.minRunsUnderBudget && overBudget()) {
      exhausted = true;
      break;
    }
    samples.push(await timeOnce(work));
    // Outside the timed region: lets samplers stamp their samples on time.
    await yieldToEventLoop();
  }
  return { ...summarise(samples), warmupRuns: warmups, budgetExhausted: exhausted };
}
