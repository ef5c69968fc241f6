import { MODEL_KINDS, type ModelKind, RANGE_PRESET_NAMES, type RangePreset } from '@neuralpower/core';
import { z } from 'zod';
import { SAMPLING_STRATEGIES, type SamplingStrategy } from './propose.js';

/** What a campaign is asked to do; stored with it (`options_json`). */
export interface CampaignOptions {
  readonly kinds: readonly ModelKind[];
  readonly preset: RangePreset;
  readonly batches?: readonly number[];
  readonly strategy: SamplingStrategy;
  /** Stop once every kind's cross-validated runtime RMSPE (and power's, where fitted) is at most this. */
  readonly targetRmspe: number;
  /** Stop after this many measurements (repeats included). */
  readonly budget: number;
  readonly seed: number;
  /** Candidate configurations in the plan (default 3 × budget, at least 200). */
  readonly poolSize: number;
  /** Share of the budget measured a second time (repeatability), on another agent when there is one. */
  readonly repeatShare: number;
  /** Share of each adaptive proposal drawn at random (keeps the error estimate honest). */
  readonly randomShare: number;
  /** A lease not renewed for this long expires and its configurations go back to the pool. */
  readonly leaseTtlMs: number;
  /** Refit a kind (and propose again) after this many new measurements of it. */
  readonly refitEvery: number;
  /** Fewest measurements of a kind before its error can end the campaign. */
  readonly minRows: number;
}

export const campaignCreateSchema = z
  .object({
    platform: z.string().min(1).max(200).optional(),
    gpuName: z.string().min(1).max(200).optional(),
    kinds: z
      .array(z.enum(MODEL_KINDS as [ModelKind, ...ModelKind[]]))
      .min(1)
      .default(['conv', 'fc', 'pool']),
    ranges: z.enum(RANGE_PRESET_NAMES as [RangePreset, ...RangePreset[]]).default('small'),
    batches: z.array(z.number().int().positive()).min(1).max(32).optional(),
    strategy: z.enum(SAMPLING_STRATEGIES as [SamplingStrategy, ...SamplingStrategy[]]).default('adaptive'),
    targetRmspe: z.number().positive().max(10),
    budget: z.number().int().min(1).max(1_000_000),
    seed: z.number().int().default(1),
    poolSize: z.number().int().min(1).max(200_000).optional(),
    repeatShare: z.number().min(0).max(0.5).default(0.02),
    randomShare: z.number().min(0).max(1).default(0.25),
    leaseTtlMs: z.number().int().min(1000).max(86_400_000).default(600_000),
    refitEvery: z.number().int().min(1).optional(),
    minRows: z.number().int().min(4).default(8),
  })
  .refine((o) => (o.platform === undefined) !== (o.gpuName === undefined), {
    message: 'give exactly one of platform and gpuName',
    path: ['platform'],
  });
export type CampaignCreateRequest = z.input<typeof campaignCreateSchema>;

/** Fills the defaults that depend on other options. */
export function resolveOptions(body: z.output<typeof campaignCreateSchema>): CampaignOptions {
  return {
    kinds: body.kinds,
    preset: body.ranges,
    ...(body.batches ? { batches: body.batches } : {}),
    strategy: body.strategy,
    targetRmspe: body.targetRmspe,
    budget: body.budget,
    seed: body.seed,
    poolSize: body.poolSize ?? Math.max(200, 3 * body.budget),
    repeatShare: body.repeatShare,
    randomShare: body.randomShare,
    leaseTtlMs: body.leaseTtlMs,
    refitEvery: body.refitEvery ?? Math.max(8, Math.round(body.budget / (10 * body.kinds.length))),
    minRows: body.minRows,
  };
}
