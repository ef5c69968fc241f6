import { nowMs } from '../clock.js';
import type { BlockTimingRequest, BlockTimingResult, PreparedWork } from '../engine/engine.js';
import { timeBlocksInProcess } from './in-process-blocks.js';
import { bootstrapMedianInterval } from './median-bootstrap.js';
import { type MedianInterval, medianInterval, outlierCount } from './median-ci.js';
import type { RuntimeSummary } from './stats.js';

/**
 * The timing protocol every engine shares: blocks of K back-to-back runs with one synchronisation
 * per block (per-run time = block time / K), repeated until the confidence interval of the median
 * per-run time is within ±targetRel, or the budget ends.
 */
export interface BlockTimingOptions {
  /** Untimed runs first, at least this many… Default 10. */
  readonly warmupRuns: number;
  /** …and at least this long (JIT tiers, allocator and kernel caches). Default 30 ms. */
  readonly warmupMs: number;
  /** K is chosen so one block lasts at least this long. Default 5 ms. */
  readonly blockMs: number;
  /** Wanted half-width of the median's interval, relative to the median. Default 0.02 (±2 %). */
  readonly targetRel: number;
  /** Confidence of the interval. Default 0.95. */
  readonly confidence: number;
  /** How the interval is computed: exact order statistics (default) or a seeded percentile bootstrap. */
  readonly ciMethod: CiMethod;
  /** Blocks before the interval is first checked (10 gives the order-statistics interval [x₂, x₉]). */
  readonly minBlocks: number;
  /** Blocks at most, target reached or not. Default 200. */
  readonly maxBlocks: number;
  /**
   * Per-configuration budget (wall clock, warm-up included): the time `budgetRuns` runs of this
   * layer take (what run-by-run timing spent on it), at least `minBudgetMs`, at most `budgetMs`.
   * When it ends before the target is reached, the result is flagged, so a busy machine costs no
   * more time than the older protocol and the fitter learns which rows are imprecise.
   */
  readonly budgetRuns: number;
  readonly minBudgetMs: number;
  /** Hard cap (and the warm-up's: a quarter of it). Default 30 s. */
  readonly budgetMs: number;
  /** Blocks timed even when the budget has run out (a huge layer on a slow backend). Default 3. */
  readonly minBlocksUnderBudget: number;
  /** Blocks asked of the engine per call (an out-of-process engine answers them in one message). */
  readonly blocksPerCall: number;
}

export const DEFAULT_BLOCK_TIMING: BlockTimingOptions = {
  warmupRuns: 10,
  warmupMs: 30,
  blockMs: 5,
  targetRel: 0.02,
  confidence: 0.95,
  ciMethod: 'order-statistics',
  minBlocks: 10,
  maxBlocks: 200,
  budgetRuns: 60,
  minBudgetMs: 150,
  budgetMs: 30_000,
  minBlocksUnderBudget: 3,
  blocksPerCall: 5,
};

export type BlockClock = 'wall' | 'process-cpu';
export const CI_METHODS = ['order-statistics', 'bootstrap'] as const;
export type CiMethod = (typeof CI_METHODS)[number];

function interval(values: readonly number[], confidence: number, method: CiMethod): MedianInterval {
  return method === 'bootstrap'
    ? bootstrapMedianInterval(values, confidence)
    : medianInterval(values, confidence);
}

/** What the protocol found, as records carry it (runtime figures are per run). */
export interface BlockProtocolResult extends RuntimeSummary {
  readonly clock: BlockClock;
  readonly warmupRuns: number;
  readonly runsPerBlock: number;
  readonly blocks: number;
  readonly ciLowMs: number;
  readonly ciHighMs: number;
  readonly ciHalfWidthRel: number;
  readonly confidence: number;
  readonly ciMethod: CiMethod;
  readonly targetRel: number;
  readonly targetReached: boolean;
  readonly outlierBlocks: number;
  /** median per-run wall time: against the CPU clock it shows how much the scheduler took */
  readonly wallMedianMs: number;
  readonly budgetExhausted: boolean;
}

/** The engine's own block timer, or (engines without one) the same loop in this process. */
function engineBlocks(work: PreparedWork, req: BlockTimingRequest): Promise<BlockTimingResult> {
  if (work.timeBlocks) return work.timeBlocks(req);
  return timeBlocksInProcess(
    () => work.run(),
    () => work.synchronise(),
    req,
    false,
  );
}

/** Per-run figures of each block on the protocol's clock, and on the wall clock. */
function perRun(r: BlockTimingResult, clock: BlockClock): { values: number[]; walls: number[] } {
  const k = r.runsPerBlock;
  const walls = r.blockMs.map((ms) => ms / k);
  if (clock === 'wall') return { values: walls, walls };
  if (!r.blockCpuMs || r.blockCpuMs.length !== r.blockMs.length) {
    throw new Error('the engine gave no CPU time for blocks timed on the process-cpu clock');
  }
  return { values: r.blockCpuMs.map((ms) => ms / k), walls };
}

function summarise(values: readonly number[]): { meanMs: number; stdMs: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { meanMs: mean, stdMs: Math.sqrt(variance) };
}

export async function timeBlocks(
  work: PreparedWork,
  clock: BlockClock,
  options: BlockTimingOptions = DEFAULT_BLOCK_TIMING,
): Promise<BlockProtocolResult> {
  const start = nowMs();
  const elapsed = () => nowMs() - start;
  // Warm-up (untimed runs), then single synchronised runs for ≥ warmupMs that estimate one run to
  // choose K. A quarter of the hard budget at most: a huge layer must not stall a sweep.
  const warmup = await engineBlocks(work, {
    warmupRuns: options.warmupRuns,
    runsPerBlock: 1,
    minBlocks: 5,
    minDurationMs: options.warmupMs,
    budgetMs: options.budgetMs / 4,
    minBlocksUnderBudget: 1,
  });
  const warm = perRun(warmup, clock).values;
  const recent = warm.slice(-Math.max(1, Math.min(5, warm.length))).sort((a, b) => a - b);
  const estimateMs = Math.max(1e-4, recent[recent.length >> 1]!);
  const k = Math.max(1, Math.ceil(options.blockMs / estimateMs));
  const budgetMs = Math.min(options.budgetMs, Math.max(options.minBudgetMs, options.budgetRuns * estimateMs));

  const values: number[] = [];
  const walls: number[] = [];
  let exhausted = false;
  let reached = false;
  for (;;) {
    const want = Math.min(options.blocksPerCall, options.maxBlocks - values.length);
    const n = Math.max(1, want);
    const blocks = perRun(
      await engineBlocks(work, {
        warmupRuns: 0,
        runsPerBlock: k,
        minBlocks: n,
        maxBlocks: n,
        minDurationMs: 0,
        budgetMs: options.budgetMs,
        minBlocksUnderBudget: n,
      }),
      clock,
    );
    values.push(...blocks.values);
    walls.push(...blocks.walls);
    if (values.length >= options.minBlocks) {
      const ci = interval(values, options.confidence, options.ciMethod);
      if (ci.coverage >= options.confidence && ci.halfWidthRel <= options.targetRel) {
        reached = true;
        break;
      }
    }
    if (values.length >= options.maxBlocks) break;
    if (values.length >= options.minBlocksUnderBudget && elapsed() > budgetMs) {
      exhausted = true;
      break;
    }
  }
  const ci = interval(values, options.confidence, options.ciMethod);
  const { meanMs, stdMs } = summarise(values);
  return {
    meanMs,
    medianMs: ci.medianMs,
    stdMs,
    n: values.length * k,
    clock,
    warmupRuns: warmup.warmupRuns + warm.length,
    runsPerBlock: k,
    blocks: values.length,
    ciLowMs: ci.lowMs,
    ciHighMs: ci.highMs,
    ciHalfWidthRel: ci.halfWidthRel,
    confidence: options.confidence,
    ciMethod: options.ciMethod,
    targetRel: options.targetRel,
    targetReached: reached,
    outlierBlocks: outlierCount(values),
    wallMedianMs: medianInterval(walls).medianMs,
    budgetExhausted: exhausted,
  };
}
