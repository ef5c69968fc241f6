import { modelKindOf } from '@neuralpower/core';
import { z } from 'zod';
import { BOUNDS } from './bounds.js';
import { precisionSchema } from './precision.js';
import {
  checkLayerConfig,
  layerSpecSchema,
  nonNegative,
  positive,
  positiveInt,
  shapeSchema,
  timestamp,
} from './schemas-common.js';

/** Timed runs of one configuration (after warm-up), host monotonic clock. */
const runtimeMs = z.number().min(BOUNDS.runtimeMs.min).max(BOUNDS.runtimeMs.max);
const powerW = z.number().min(BOUNDS.powerW.min).max(BOUNDS.powerW.max);
const count = positiveInt.max(BOUNDS.count.max);
const windowMs = positive.max(BOUNDS.windowMs.max);

export const runtimeStatsSchema = z.object({
  meanMs: runtimeMs,
  medianMs: runtimeMs,
  stdMs: nonNegative.max(BOUNDS.runtimeMs.max),
  /** number of timed runs */
  n: count,
});
export type RuntimeStats = z.output<typeof runtimeStatsSchema>;

export const POWER_SOURCES = ['nvidia-smi', 'nvml', 'rapl'] as const;
export type PowerSource = (typeof POWER_SOURCES)[number];

/** Mean power over a window in which the configuration ran back to back. */
export const powerStatsSchema = z
  .object({
    /** time-weighted mean power over the window */
    meanW: powerW,
    /** samples inside or straddling the window */
    samples: count,
    windowMs,
    source: z.enum(POWER_SOURCES),
    minW: powerW.optional(),
    maxW: powerW.optional(),
    /** idle power measured before the sweep, for reference */
    idleW: powerW.optional(),
    /** the sampler's achieved interval */
    intervalMs: windowMs.optional(),
    /** true when the window held fewer samples than the agent's configured minimum */
    lowSampleCount: z.boolean().optional(),
  })
  .superRefine((p, ctx) => {
    // A time-weighted mean lies between the smallest and largest sample (a float's worth of slack).
    const slack = 1e-9 * Math.max(1, p.meanW);
    if (p.minW !== undefined && p.minW > p.meanW + slack)
      ctx.addIssue({ code: 'custom', message: `must be ≤ meanW (${p.meanW})`, path: ['minW'] });
    if (p.maxW !== undefined && p.maxW < p.meanW - slack)
      ctx.addIssue({ code: 'custom', message: `must be ≥ meanW (${p.meanW})`, path: ['maxW'] });
  });
export type PowerStats = z.output<typeof powerStatsSchema>;

/** Power is either measured or explicitly unavailable; it is never invented. */
export const powerSchema = z.union([powerStatsSchema, z.literal('unavailable')]);
export type Power = z.output<typeof powerSchema>;

/** Device state during the measurement, where the power source reports it. */
const deviceStateFields = {
  clocks: z
    .object({
      smMHz: nonNegative.max(BOUNDS.clockMHz.max).optional(),
      memMHz: nonNegative.max(BOUNDS.clockMHz.max).optional(),
    })
    .optional(),
  temperatureC: z.number().min(BOUNDS.temperatureC.min).max(BOUNDS.temperatureC.max).optional(),
  /** clocks_event_reasons that were active, e.g. `sw_power_cap`; empty means none */
  throttleReasons: z.array(z.string().max(64)).max(32).optional(),
};

const measurementFields = {
  /** the platform id (fingerprint) declared in `hello` */
  platform: z.string().min(1).max(64),
  batch: positiveInt.max(BOUNDS.batch.max),
  runtime: runtimeStatsSchema,
  /** the timing protocol's interval and counts (separate from `runtime`, which keeps its meaning) */
  precision: precisionSchema.optional(),
  power: powerSchema,
  /** energy of one forward pass of the whole batch: meanW × meanMs (mJ); null iff power is unavailable */
  energyMj: nonNegative.nullable(),
  startedAt: timestamp,
  endedAt: timestamp,
  ...deviceStateFields,
};

type Ctx = { addIssue: (issue: { code: 'custom'; message: string; path: (string | number)[] }) => void };

/** `endedAt` not before `startedAt` (both already valid ISO date-times). */
function checkTimes(record: { startedAt: string; endedAt: string }, ctx: Ctx): void {
  if (Date.parse(record.endedAt) < Date.parse(record.startedAt)) {
    ctx.addIssue({ code: 'custom', message: `is before startedAt (${record.startedAt})`, path: ['endedAt'] });
  }
}

/**
 * The runtime a record reports for one pass: the median of a block-timed record (the statistic its
 * interval bounds, what models are fitted to), the mean of one timed run by run.
 */
export function reportedRuntimeMs(record: { runtime: RuntimeStats; precision?: unknown }): number {
  return record.precision ? record.runtime.medianMs : record.runtime.meanMs;
}

function checkEnergy(
  record: { power: Power; energyMj: number | null; runtime: RuntimeStats; precision?: unknown },
  ctx: Ctx,
): void {
  if (record.power === 'unavailable' && record.energyMj !== null) {
    ctx.addIssue({ code: 'custom', message: 'must be null when power is "unavailable"', path: ['energyMj'] });
  }
  if (record.power !== 'unavailable' && record.energyMj === null) {
    ctx.addIssue({ code: 'custom', message: 'must be a number when power was measured', path: ['energyMj'] });
  }
  if (record.power !== 'unavailable' && record.energyMj !== null) {
    // Energy per pass is meanW × the reported runtime (W·ms = mJ); anything else is a fault. Agents
    // before the median was used for block-timed records sent meanW × runtime.meanMs: still accepted.
    const meanW = record.power.meanW;
    const within = (expected: number) =>
      Math.abs(record.energyMj! - expected) <= BOUNDS.energyRelativeTolerance * expected + 1e-12;
    const expected = meanW * reportedRuntimeMs(record);
    if (!within(expected) && !(record.precision && within(meanW * record.runtime.meanMs))) {
      const runtime = record.precision ? 'runtime.medianMs' : 'runtime.meanMs';
      ctx.addIssue({
        code: 'custom',
        message: `must equal power.meanW × ${runtime} = ${expected} mJ (within ${BOUNDS.energyRelativeTolerance * 100} %)`,
        path: ['energyMj'],
      });
    }
  }
}

/** One layer configuration measured alone: the unit the per-kind models are fitted on. */
export const layerRecordSchema = z
  .object({
    type: z.literal('layer'),
    spec: layerSpecSchema,
    /** per-example input shapes [H, W, C], one per input (two or more for add/concat) */
    inputs: z.array(shapeSchema).min(1).max(64).readonly(),
    ...measurementFields,
  })
  .superRefine((record, ctx) => {
    if (modelKindOf(record.spec) === null) {
      ctx.addIssue({
        code: 'custom',
        message: 'an unsupported layer cannot be measured',
        path: ['spec', 'kind'],
      });
      return;
    }
    checkLayerConfig(record, ctx);
    checkEnergy(record, ctx);
    checkTimes(record, ctx);
  });
export type LayerRecord = z.output<typeof layerRecordSchema>;

const networkNodeSchema = z.object({
  name: z.string().min(1).max(200),
  spec: layerSpecSchema,
  parents: z.array(z.string().min(1).max(200)).max(64),
});

/** How the collector can rebuild a measured network to predict it: a zoo name or the graph itself. */
export const networkRefSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    /** name in the model zoo (`vgg16`, `alexnet`, …) */
    zoo: z.string().min(1).max(100).optional(),
    /** the graph measured, when it is not a zoo network */
    graph: z.object({ input: shapeSchema, nodes: z.array(networkNodeSchema).min(1).max(5000) }).optional(),
  })
  .refine((n) => n.zoo !== undefined || n.graph !== undefined, {
    message: 'needs `zoo` or `graph` so the network can be predicted',
    path: ['zoo'],
  });
export type NetworkRef = z.output<typeof networkRefSchema>;

/** A whole network measured end to end: the ground truth for network-level validation. */
export const networkRecordSchema = z
  .object({
    type: z.literal('network'),
    network: networkRefSchema,
    ...measurementFields,
  })
  .superRefine((record, ctx) => {
    checkEnergy(record, ctx);
    checkTimes(record, ctx);
  });
export type NetworkRecord = z.output<typeof networkRecordSchema>;

export const measurementRecordSchema = z.discriminatedUnion('type', [layerRecordSchema, networkRecordSchema]);
export type MeasurementRecord = z.output<typeof measurementRecordSchema>;
/** What a sender builds before serialising (same shape; specs are typed rather than unknown). */
export type MeasurementRecordInput = MeasurementRecord;
