import type { Engine } from '../engine/engine.js';
import { medianInterval } from './median-ci.js';

export interface SyncOverhead {
  /** per-run time of a one-element relu synchronised after every run */
  readonly syncedRunMs: number;
  /** the same op in blocks of `runsPerBlock` with one synchronisation per block */
  readonly blockRunMs: number;
  readonly runsPerBlock: number;
  /** what one synchronisation (readback, free) adds: syncedRunMs − blockRunMs, ≥ 0 */
  readonly syncOverheadMs: number;
  readonly clock: Engine['blockClock'];
}

/**
 * Measures once per platform what one synchronisation costs, on an op that does nearly nothing.
 * A block-timed per-run figure contains this cost divided by K; records carry it so it is visible.
 * Synced and blocked runs alternate so a change of load affects both alike.
 */
export async function measureSyncOverhead(
  engine: Engine,
  rounds = 20,
  runsPerBlock = 200,
): Promise<SyncOverhead> {
  const work = await engine.prepare({
    spec: { kind: 'activation', fn: 'relu' },
    inputs: [[1, 1, 1]],
    batch: 1,
  });
  try {
    const pick = (b: { wallMs: number; cpuMs?: number }) =>
      engine.blockClock === 'process-cpu' ? (b.cpuMs ?? b.wallMs) : b.wallMs;
    await work.timeBlocks(runsPerBlock, 2); // warm-up
    const synced: number[] = [];
    const blocked: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const b of await work.timeBlocks(1, 20)) synced.push(pick(b));
      for (const b of await work.timeBlocks(runsPerBlock, 1)) blocked.push(pick(b) / runsPerBlock);
    }
    const syncedRunMs = medianInterval(synced).medianMs;
    const blockRunMs = medianInterval(blocked).medianMs;
    return {
      syncedRunMs,
      blockRunMs,
      runsPerBlock,
      syncOverheadMs: Math.max(0, syncedRunMs - blockRunMs),
      clock: engine.blockClock,
    };
  } finally {
    work.dispose();
  }
}
