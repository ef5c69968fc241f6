import type { LayerConfig } from '@neuralpower/core';
import { perRunTimes } from './bench/per-run.js';
import type { Engine, PreparedWork } from './engine/engine.js';

/** The largest batch a reference layer grows to (its inputs stay a few MB at most). */
export const MAX_REFERENCE_BATCH = 1024;

/** The shortest run a reference layer should take: 50 synchronisations' worth, at least 0.1 ms. */
export function minReferenceRunMs(syncOverheadMs: number): number {
  return Math.max(0.1, 50 * syncOverheadMs);
}

export interface SizedReferenceLayer {
  readonly config: LayerConfig;
  readonly work: PreparedWork;
}

/**
 * Grows a reference layer's batch (by powers of two) until one run takes at least `minRunMs`, up to
 * MAX_REFERENCE_BATCH. Why: the layers are CPU-sized; on a GPU they run in tens of µs, where
 * back-to-back runs time the host's launch rate and the per-process algorithm choice rather than
 * the device, so the check would fail for a reason a campaign's larger layers do not share.
 */
export async function sizeReferenceLayer(
  engine: Engine,
  base: LayerConfig,
  minRunMs: number,
): Promise<SizedReferenceLayer> {
  const clock = engine.blockClock ?? 'wall';
  let config = base;
  for (;;) {
    const work = await engine.prepare(config);
    let estimateMs: number;
    try {
      // The fastest of a few short blocks after a warm-up: first runs are 2–44× slower (docs/measurement.md).
      estimateMs = Math.min(...(await perRunTimes(work, clock, 3, 3, 10)));
    } catch (err) {
      work.dispose();
      throw err;
    }
    if (estimateMs >= minRunMs || config.batch >= MAX_REFERENCE_BATCH) return { config, work };
    work.dispose();
    const factor = 2 ** Math.ceil(Math.log2(minRunMs / Math.max(estimateMs, 1e-6)));
    config = { ...config, batch: Math.min(MAX_REFERENCE_BATCH, config.batch * Math.max(2, factor)) };
  }
}
