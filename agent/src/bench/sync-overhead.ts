import type { Engine } from '../engine/engine.js';
import { medianInterval } from './median-ci.js';
import { perRunTimes } from './per-run.js';

export interface SyncOverhead {
  /** per-run time of a one-element relu synchronised after every run */
  readonly syncedRunMs: number;
  /** the same op in blocks of `runsPerBlock` with one synchronisation per block */
  readonly blockRunMs: number;
  readonly runsPerBlock: number;
  /** what one synchronisation (readback, free) adds: syncedRunMs − blockRunMs, ≥ 0 */
  readonly syncOverheadMs: number;
  /** always `wall` (see measureSyncOverhead); kept so records and summaries say which clock */
  readonly clock: 'wall';
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
    // The wall clock: a synchronisation is latency (a readback, a device round trip), which the
    // process CPU clock does not see; on the CPU backends it reads ~0 there.
    const clock = 'wall';
    const blocks = (k: number, n: number, warmupRuns = 0) => perRunTimes(work, clock, k, n, warmupRuns);
    await blocks(runsPerBlock, 2, 10); // warm-up
    const synced: number[] = [];
    const blocked: number[] = [];
    for (let r = 0; r < rounds; r++) {
      synced.push(...(await blocks(1, 20)));
      blocked.push(...(await blocks(runsPerBlock, 1)));
    }
    const syncedRunMs = medianInterval(synced).medianMs;
    const blockRunMs = medianInterval(blocked).medianMs;
    return {
      syncedRunMs,
      blockRunMs,
      runsPerBlock,
      syncOverheadMs: Math.max(0, syncedRunMs - blockRunMs),
      clock,
    };
  } finally {
    work.dispose();
  }
}
