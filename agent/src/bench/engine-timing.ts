import type { BlockTimingResult, PreparedWork } from '../engine/engine.js';
import { summarise } from './stats.js';
import type { TimingOptions, TimingResult } from './timing.js';

/** Per-run durations of blocks of K back-to-back runs: each block counts as K runs of block/K. */
export function perRunMs(result: BlockTimingResult): number[] {
  const k = result.runsPerBlock;
  return result.blockMs.flatMap((ms) => Array.from({ length: k }, () => ms / k));
}

/**
 * Timing done by the engine itself (the torch worker): the same warm-ups, runs, minimum duration
 * and budget as `timeWork`, with K = 1 (one synchronisation per run); statistics computed here.
 */
export async function timeInEngine(
  work: Required<Pick<PreparedWork, 'timeBlocks'>>,
  options: TimingOptions,
  runsPerBlock = 1,
): Promise<TimingResult> {
  const result = await work.timeBlocks({
    warmupRuns: options.warmupRuns,
    runsPerBlock,
    minBlocks: Math.ceil(options.minRuns / runsPerBlock),
    minDurationMs: options.minDurationMs,
    budgetMs: options.budgetMs,
    minBlocksUnderBudget: Math.ceil(options.minRunsUnderBudget / runsPerBlock),
  });
  if (result.blockMs.length === 0) throw new Error('the engine timed no runs');
  return {
    ...summarise(perRunMs(result)),
    warmupRuns: result.warmupRuns,
    budgetExhausted: result.budgetExhausted,
  };
}
