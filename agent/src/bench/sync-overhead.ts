import type { Engine } from '../engine/engine.js';
import { timeBlocksInProcess } from './in-process-blocks.js';
import { medianInterval } from './median-ci.js';

export interface SyncOverhead {
  /** per-run time of a one-element relu synchronised after every run */
  readonly syncedRunMs: number;
  /** the same op in blocks of `runsPerBlock` with one synchronisation per block */
  readonly blockRunMs: number;
  readonly runsPerBlock: number;
  /** what one synchronisation (readback, free) adds: syncedRunMs − blockRunMs, ≥ 0 */
  readonly syncOverheadMs: number;
  readonly clock: 'wall' | 'process-cpu';
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
    const clock = engine.blockClock ?? 'wall';
    const blocks = async (k: number, n: number, warmupRuns = 0) => {
      const req = {
        warmupRuns,
        runsPerBlock: k,
        minBlocks: n,
        maxBlocks: n,
        minDurationMs: 0,
        budgetMs: 30_000,
        minBlocksUnderBudget: n,
      };
      const r = work.timeBlocks
        ? await work.timeBlocks(req)
        : await timeBlocksInProcess(
            () => work.run(),
            () => work.synchronise(),
            req,
            false,
          );
      const ms = clock === 'process-cpu' && r.blockCpuMs ? r.blockCpuMs : r.blockMs;
      return ms.map((v) => v / k);
    };
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
