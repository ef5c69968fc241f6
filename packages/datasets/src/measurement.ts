import type { LayerConfig } from '@neuralpower/core';

/** One measured layer configuration: mean runtime of a forward pass and mean power while it ran. */
export interface Measurement {
  readonly config: LayerConfig;
  readonly runtimeMs: number;
  /** Null where the platform has no power reading. */
  readonly powerW: number | null;
  /** Optional provenance columns (platform, device, timestamp, ...), as text. */
  readonly metadata?: Readonly<Record<string, string>>;
}
