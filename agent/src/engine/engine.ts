import type { LayerConfig, Network } from '@neuralpower/core';
import type { EngineIdentity } from '@neuralpower/protocol';

/**
 * A layer (or network) ready to run: inputs and weights allocated. `run` enqueues one forward pass;
 * `synchronise` waits until its result is really computed by reading it back, then frees it.
 */
export interface PreparedWork {
  run(): void;
  synchronise(): Promise<void>;
  dispose(): void;
}

export interface Engine {
  readonly identity: EngineIdentity;
  /** Where the work runs: `gpu` only when verified (a GPU build that silently fell back is `cpu`). */
  readonly device: 'gpu' | 'cpu';
  /** Human-readable notes from backend selection (what was tried and why it was skipped). */
  readonly notes: readonly string[];
  prepare(config: LayerConfig): Promise<PreparedWork>;
  prepareNetwork(network: Network): Promise<PreparedWork>;
  dispose(): Promise<void>;
}
