import type { PreparedWork } from '../engine/engine.js';
import { timeBlocksInProcess } from './in-process-blocks.js';

/**
 * Per-run times (ms) of `blocks` blocks of `runsPerBlock` back-to-back runs of prepared work, one
 * synchronisation per block, on the engine's block clock. Engines that time in their own process
 * (torch) time the blocks themselves, so the pipe costs nothing per run.
 */
export async function perRunTimes(
  work: PreparedWork,
  clock: 'wall' | 'process-cpu',
  runsPerBlock: number,
  blocks: number,
  warmupRuns = 0,
): Promise<number[]> {
  const req = {
    warmupRuns,
    runsPerBlock,
    minBlocks: blocks,
    maxBlocks: blocks,
    minDurationMs: 0,
    budgetMs: 30_000,
    minBlocksUnderBudget: blocks,
  };
  const r = work.timeBlocks
    ? await work.timeBlocks(req)
    : await timeBlocksInProcess(
        () => work.run(),
        () => work.synchronise(),
        req,
        clock === 'process-cpu',
      );
  const ms = clock === 'process-cpu' && r.blockCpuMs ? r.blockCpuMs : r.blockMs;
  return ms.map((v) => v / runsPerBlock);
}
