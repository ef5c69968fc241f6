import { z } from 'zod';

/** Answers of the torch worker (docs/torch-worker.md), validated once as they arrive. */

export const TORCH_PRECISIONS = ['fp32', 'tf32', 'fp16', 'bf16'] as const;
export type TorchPrecision = (typeof TORCH_PRECISIONS)[number];
export const TORCH_DEVICES = ['cuda', 'cpu'] as const;
export type TorchDevice = (typeof TORCH_DEVICES)[number];

export const helloSchema = z.object({
  protocol: z.literal(1),
  torch: z.string().min(1),
  python: z.string(),
  device: z.enum(TORCH_DEVICES),
  precision: z.enum(TORCH_PRECISIONS),
  cudnnBenchmark: z.boolean(),
  cuda: z.string().nullable(),
  cudnn: z.number().int().nullable(),
  threads: z.number().int(),
  gpu: z
    .object({
      name: z.string(),
      smCount: z.number().int().positive(),
      memoryMiB: z.number().int().positive(),
      computeCap: z.string(),
    })
    .optional(),
});
export type TorchHello = z.output<typeof helloSchema>;

/** Every answer: the request's id and ok, or ok false with the worker's error line. */
export const answerSchema = z.union([
  z.looseObject({ id: z.number().int().nullable(), ok: z.literal(true) }),
  z.object({ id: z.number().int().nullable(), ok: z.literal(false), error: z.string() }),
]);

export const preparedSchema = z.object({
  handle: z.number().int().positive(),
  /** NHWC with the batch first */
  outputShape: z.array(z.number().int().nonnegative()).length(4),
});

export const timedSchema = z.object({
  warmupRuns: z.number().int().nonnegative(),
  runsPerBlock: z.number().int().positive(),
  blockMs: z.array(z.number().nonnegative()),
  budgetExhausted: z.boolean(),
});

export const loopSchema = z.object({
  runs: z.number().int().positive(),
  /** CLOCK_MONOTONIC nanoseconds (Python's time.monotonic_ns) */
  startNs: z.number().int(),
  endNs: z.number().int(),
});
