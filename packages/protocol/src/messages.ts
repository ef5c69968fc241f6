import { z } from 'zod';
import { PROTOCOL_ERROR_CODES } from './errors.js';
import { platformFingerprint } from './fingerprint.js';
import { measurementRecordSchema } from './records.js';
import { timestamp } from './schemas-common.js';
import { MAX_RECORDS_PER_BATCH, MAX_SEQ } from './version.js';

const text = (max: number) => z.string().min(1).max(max);

const engineSchema = z.object({
  name: text(100),
  backend: text(100),
  version: text(100),
  settings: z.record(text(50), text(200)).optional(),
});

export const platformInputSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('gpu'),
    gpuName: text(200),
    driverVersion: text(100),
    enforcedPowerLimitW: z.number().positive().nullable(),
    engine: engineSchema,
  }),
  z.object({ kind: z.literal('cpu'), cpuModel: text(200), engine: engineSchema }),
]);

/**
 * A platform as an agent declares it: the fingerprint inputs plus the id they hash to. The id is
 * recomputed here so a record can never land on a platform its inputs do not describe.
 */
export const platformDeclarationSchema = z
  .object({
    id: text(64),
    description: text(500),
    input: platformInputSchema,
    /** free-form details for people (GPU uuid, memory, CUDA version); not part of the id */
    details: z
      .record(z.string().max(100), z.union([z.string().max(500), z.number(), z.boolean()]))
      .optional(),
  })
  .superRefine((p, ctx) => {
    const expected = platformFingerprint(p.input).id;
    if (p.id !== expected) {
      ctx.addIssue({
        code: 'custom',
        message: `does not match the fingerprint of its input (expected ${expected})`,
        path: ['id'],
      });
    }
  });
export type PlatformDeclaration = z.output<typeof platformDeclarationSchema>;

/** First message on every connection. */
export const helloSchema = z.object({
  type: z.literal('hello'),
  protocolVersion: z.number().int().positive(),
  /** stable across restarts (it scopes `seq`); e.g. `host-a/gpu0` */
  agentId: text(200),
  host: text(255),
  agentVersion: z.string().max(100).optional(),
  /** the platforms this agent's records may name (one per GPU, or one CPU platform) */
  platforms: z.array(platformDeclarationSchema).min(1).max(64),
});
export type Hello = z.output<typeof helloSchema>;

/** A batch of records; `seq` is assigned by the agent, strictly increasing per agent id. */
export const measurementsSchema = z.object({
  type: z.literal('measurements'),
  seq: z.number().int().nonnegative().max(MAX_SEQ),
  records: z.array(measurementRecordSchema).min(1).max(MAX_RECORDS_PER_BATCH),
});
export type Measurements = z.output<typeof measurementsSchema>;

export const heartbeatSchema = z.object({ type: z.literal('heartbeat'), sentAt: timestamp });
export type Heartbeat = z.output<typeof heartbeatSchema>;

export const clientMessageSchema = z.discriminatedUnion('type', [
  helloSchema,
  measurementsSchema,
  heartbeatSchema,
]);
export type ClientMessage = z.output<typeof clientMessageSchema>;
export const CLIENT_MESSAGE_TYPES = ['hello', 'measurements', 'heartbeat'] as const;

/** Reply to `hello`: the highest seq this collector has committed for the agent (null if none). */
export const welcomeSchema = z.object({
  type: z.literal('welcome'),
  protocolVersion: z.number().int().positive(),
  agentId: text(200),
  /** Any safe integer is readable here; the agent itself refuses one it cannot continue from (≥ MAX_SEQ). */
  lastSeq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable(),
  serverTime: timestamp,
});
export type Welcome = z.output<typeof welcomeSchema>;

/** Sent only after the batch's transaction committed (or when the seq was already committed). */
export const ackSchema = z.object({
  type: z.literal('ack'),
  seq: z.number().int().nonnegative(),
  /** records written by this batch; 0 for a redelivered batch */
  stored: z.number().int().nonnegative(),
  duplicate: z.boolean(),
});
export type Ack = z.output<typeof ackSchema>;

export const errorMessageSchema = z.object({
  type: z.literal('error'),
  code: z.enum(PROTOCOL_ERROR_CODES),
  message: z.string(),
  field: z.string().nullable(),
  /** the batch refused, when the error is about one */
  seq: z.number().int().nonnegative().nullable().optional(),
});
export type ErrorMessage = z.output<typeof errorMessageSchema>;

export const serverHeartbeatSchema = z.object({ type: z.literal('heartbeat'), sentAt: timestamp });

export const serverMessageSchema = z.discriminatedUnion('type', [
  welcomeSchema,
  ackSchema,
  errorMessageSchema,
  serverHeartbeatSchema,
]);
export type ServerMessage = z.output<typeof serverMessageSchema>;
export const SERVER_MESSAGE_TYPES = ['welcome', 'ack', 'error', 'heartbeat'] as const;
