import { z } from 'zod';
import { layerSpecSchema, positiveInt, shapeSchema, timestamp } from './schemas-common.js';

/**
 * Campaign leases over HTTP (`POST /v1/campaigns/:id/leases…`, the agent's bearer token): an agent
 * asks for configurations to measure, keeps its lease alive while it measures, and gives back what
 * it will not measure. Both sides validate with these schemas (see docs/protocol.md).
 */

export const CAMPAIGN_STATES = ['running', 'stopped', 'done'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/** Most configurations one lease carries. */
export const MAX_LEASE_ITEMS = 500;

const agentId = z.string().min(1).max(200);

export const leaseRequestSchema = z.object({
  agentId,
  /** The platform the agent measures on; must be the campaign's. */
  platform: z.string().min(1).max(200),
  max: z.number().int().min(1).max(MAX_LEASE_ITEMS),
  /** Chosen by the agent per request: a retried request (lost answer) gets the same lease back. */
  requestId: z.string().min(1).max(100),
});
export type LeaseRequest = z.output<typeof leaseRequestSchema>;

export const leaseItemSchema = z.object({
  /** The campaign's id of this (configuration, copy). */
  itemId: positiveInt,
  /** Natural key (`layerConfigKey`): the collector marks the item measured when a record with it is stored. */
  key: z.string().min(1),
  spec: layerSpecSchema,
  inputs: z.array(shapeSchema).min(1).max(64).readonly(),
  batch: positiveInt,
  /** A planned repeat: measure it even if this platform has the key already. */
  repeat: z.boolean(),
});
export type LeaseItem = z.output<typeof leaseItemSchema>;

export const leaseResponseSchema = z.object({
  campaign: z.string(),
  state: z.enum(CAMPAIGN_STATES),
  /** Why the campaign stopped (`target reached`, `budget reached`, `stopped by …`), when it did. */
  reason: z.string().nullable(),
  /** Null when nothing is free now (others hold the rest, or the campaign is over). */
  lease: z.object({ id: z.string(), expiresAt: timestamp, items: z.array(leaseItemSchema) }).nullable(),
  /** When there was nothing to lease: ask again after this long (held leases may expire). */
  retryAfterMs: z.number().int().nonnegative(),
});
export type LeaseResponse = z.output<typeof leaseResponseSchema>;

export const leaseRenewRequestSchema = z.object({ agentId });
export const leaseRenewResponseSchema = z.object({
  lease: z.string(),
  expiresAt: timestamp,
  state: z.enum(CAMPAIGN_STATES),
  /** Items of the lease still this agent's to measure (not measured yet, not expired and re-leased). */
  held: z.array(positiveInt),
});
export type LeaseRenewResponse = z.output<typeof leaseRenewResponseSchema>;

export const leaseReleaseRequestSchema = z.object({
  agentId,
  /** Items to give back; default every item of the lease not measured yet. */
  items: z.array(positiveInt).max(MAX_LEASE_ITEMS).optional(),
});
export const leaseReleaseResponseSchema = z.object({ lease: z.string(), released: z.number().int() });

/** What an agent needs to find the campaign for its platform (`GET /v1/campaigns?platform=&state=running`). */
export const campaignListSchema = z.object({
  campaigns: z.array(
    z.object({ id: z.string(), platformId: z.string(), state: z.enum(CAMPAIGN_STATES) }).passthrough(),
  ),
});

/** `{ok, value}` or the first issue as `path: message`, for answers crossing the wire. */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
): { ok: true; value: z.output<T> } | { ok: false; message: string; field: string | null } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join('.') || null;
  return { ok: false, message: `${field ?? 'body'}: ${issue.message}`, field };
}
