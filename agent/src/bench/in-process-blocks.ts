import { nowMs, yieldToEventLoop } from '../clock.js';
import type { BlockTimingRequest, BlockTimingResult } from '../engine/engine.js';

/**
 * `PreparedWork.timeBlocks` for work that runs in this process (tfjs): untimed synchronised warm-up
 * runs, then blocks of `runsPerBlock` runs with one synchronisation each, until `minBlocks` and
 * `minDurationMs` are reached, `maxBlocks` is, or the budget ends (after `minBlocksUnderBudget`).
 * With `cpuClock`, each block's process CPU time is returned too. Yields between blocks only.
 */
export async function timeBlocksInProcess(
  run: () => void,
  synchronise: () => Promise<void>,
  req: BlockTimingRequest,
  cpuClock: boolean,
): Promise<BlockTimingResult> {
  const start = nowMs();
  const overBudget = () => nowMs() - start > req.budgetMs;
  let warmupRuns = 0;
  while (warmupRuns < req.warmupRuns && !(warmupRuns >= 1 && overBudget())) {
    run();
    await synchronise();
    await yieldToEventLoop();
    warmupRuns++;
  }
  const blockMs: number[] = [];
  const blockCpuMs: number[] = [];
  const timedStart = nowMs();
  let budgetExhausted = false;
  for (;;) {
    if (blockMs.length >= req.minBlocks && nowMs() - timedStart >= req.minDurationMs) break;
    if (req.maxBlocks !== undefined && blockMs.length >= req.maxBlocks) break;
    if (blockMs.length >= req.minBlocksUnderBudget && overBudget()) {
      budgetExhausted = true;
      break;
    }
    // Outside the timed region: samplers stamp their lines, timers fire.
    await yieldToEventLoop();
    const c0 = cpuClock ? process.cpuUsage() : undefined;
    const t0 = nowMs();
    for (let i = 0; i < req.runsPerBlock; i++) run();
    await synchronise();
    blockMs.push(nowMs() - t0);
    if (c0) {
      const c = process.cpuUsage(c0);
      blockCpuMs.push((c.user + c.system) / 1000);
    }
  }
  return {
    warmupRuns,
    runsPerBlock: req.runsPerBlock,
    blockMs,
    ...(cpuClock ? { blockCpuMs } : {}),
    budgetExhausted,
  };
}
