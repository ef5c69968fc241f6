import type { LayerConfig, Network } from '@neuralpower/core';
import type { EngineIdentity } from '@neuralpower/protocol';

/** Blocks of `runsPerBlock` back-to-back runs, one synchronisation per block, timed by the engine. */
export interface BlockTimingRequest {
  readonly warmupRuns: number;
  readonly runsPerBlock: number;
  readonly minBlocks: number;
  /** Stop after this many blocks even if `minDurationMs` is not reached. */
  readonly maxBlocks?: number;
  readonly minDurationMs: number;
  /** Budget for warm-up plus blocks; when it runs out, stop after `minBlocksUnderBudget` blocks. */
  readonly budgetMs: number;
  readonly minBlocksUnderBudget: number;
}

export interface BlockTimingResult {
  readonly warmupRuns: number;
  readonly runsPerBlock: number;
  /** Raw duration of each block (all its runs), ms. */
  readonly blockMs: readonly number[];
  readonly budgetExhausted: boolean;
}

/** A back-to-back window bracketed by device synchronisation, on the host monotonic clock. */
export interface BackToBackWindow {
  readonly runs: number;
  readonly t0Ms: number;
  readonly t1Ms: number;
}

/**
 * One block of back-to-back forward passes followed by ONE synchronisation, as the engine timed it.
 * `cpuMs` is this process's CPU time over the block, given only by engines whose work runs
 * single-threaded on this process (tfjs wasm, cpu): it excludes time the scheduler gave to other
 * processes, which wall time on a shared machine does not.
 */
export interface BlockTiming {
  readonly wallMs: number;
  readonly cpuMs?: number;
}

/**
 * A layer (or network) ready to run: inputs and weights allocated. `run` enqueues one forward pass;
 * `synchronise` waits until its result is really computed by reading it back, then frees it.
 * Engines that time in another process (torch) also time blocks and run power windows themselves,
 * so the pipe costs nothing per run.
 */
export interface PreparedWork {
  run(): void;
  synchronise(): Promise<void>;
  /**
   * The timing protocol's primitive: `blocks` blocks, each `runsPerBlock` forward passes back to
   * back and one synchronisation, timed by the engine itself (an out-of-process engine times them
   * in its worker and returns the raw durations). Between blocks the engine may yield; never inside.
   */
  timeBlocks(runsPerBlock: number, blocks: number): Promise<readonly BlockTiming[]>;
  dispose(): void;
  timeBlocks?(request: BlockTimingRequest): Promise<BlockTimingResult>;
  runBackToBack?(minDurationMs: number, minRuns: number): Promise<BackToBackWindow>;
}

export interface Engine {
  readonly identity: EngineIdentity;
  /** Where the work runs: `gpu` only when verified (a GPU build that silently fell back is `cpu`). */
  readonly device: 'gpu' | 'cpu';
  /** Human-readable notes from backend selection (what was tried and why it was skipped). */
  readonly notes: readonly string[];
  /**
   * The clock the timing protocol uses for this engine: `process-cpu` when the work runs
   * single-threaded on this process (every block then carries `cpuMs`), else `wall`.
   */
  readonly blockClock: 'wall' | 'process-cpu';
  prepare(config: LayerConfig): Promise<PreparedWork>;
  prepareNetwork(network: Network): Promise<PreparedWork>;
  dispose(): Promise<void>;
}
