import { z } from 'zod';
import { nonNegative, positive, positiveInt } from './schemas-common.js';

/**
 * How precisely a runtime was measured, by the agent's block timing protocol: blocks of
 * `runsPerBlock` back-to-back runs with one synchronisation each, repeated until the confidence
 * interval of the median per-run time was within ±`targetRel` or the budget ended. Absent on
 * records timed run by run (the older protocol).
 */
export const precisionSchema = z
  .object({
    protocol: z.literal('blocks'),
    /** `process-cpu`: this process's CPU time (single-threaded CPU backends); `wall`: host monotonic clock */
    clock: z.enum(['wall', 'process-cpu']),
    runsPerBlock: positiveInt,
    blocks: positiveInt,
    warmupRuns: z.number().int().nonnegative(),
    /** confidence interval of the median per-run time */
    ciLowMs: positive,
    ciHighMs: positive,
    confidence: z.number().gt(0).lt(1),
    /** how the interval was computed; absent: order statistics (older agents had only that) */
    ciMethod: z.enum(['order-statistics', 'bootstrap']).optional(),
    targetRel: positive,
    /** false when the budget or the block limit ended timing before the interval was within target */
    targetReached: z.boolean(),
    /** blocks far from the median (GC pause, preemption): counted, kept in the statistics */
    outlierBlocks: z.number().int().nonnegative(),
    /** median per-run wall time, for comparison with a CPU-clock median */
    wallMedianMs: positive,
    /** one synchronisation's cost on this platform (measured once per run); per-run times contain it ÷ K */
    syncOverheadMs: nonNegative.optional(),
    /**
     * set on a configuration measured again later in the same sweep to detect drift; `acrossProcesses`
     * when the first measurement was made by an earlier process (a resumed sweep), so the drift
     * includes what differs between processes (heap layout, JIT, the machine's load then and now)
     */
    revisit: z
      .object({
        firstMedianMs: positive,
        driftRel: z.number().min(-1).max(1000),
        acrossProcesses: z.boolean().optional(),
      })
      .optional(),
  })
  .refine((p) => p.ciLowMs <= p.ciHighMs, { message: 'ciLowMs must not exceed ciHighMs', path: ['ciLowMs'] });
export type Precision = z.output<typeof precisionSchema>;
