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
  /**
   * This process's CPU time over each block, ms: only from engines whose work runs single-threaded
   * in this process (tfjs wasm, cpu), where it excludes the time the scheduler gave to others.
   */
  readonly blockCpuMs?: readonly number[];
  readonly budgetExhausted: boolean;
}

/** A back-to-back window bracketed by device synchronisation, on the host monotonic clock. */
export interface BackToBackWindow {
  readonly runs: number;
  readonly t0Ms: number;
  readonly t1Ms: number;
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
   * The clock the block timing protocol uses: `process-cpu` when the work runs single-threaded in
   * this process (its `timeBlocks` then gives `blockCpuMs`); absent or `wall`: host wall time.
   */
  readonly blockClock?: 'wall' | 'process-cpu';
  prepare(config: LayerConfig): Promise<PreparedWork>;
  prepareNetwork(network: Network): Promise<PreparedWork>;
  dispose(): Promise<void>;
}
