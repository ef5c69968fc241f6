import type { LayerConfig } from '@neuralpower/core';
import type { CampaignState } from '@neuralpower/protocol';
import type { CampaignOptions } from '../campaigns/options.js';
import type { PlannedItem } from '../campaigns/plan.js';

export interface Progress {
  /** items in the plan (configurations plus planned repeats) */
  readonly planned: number;
  readonly measured: number;
  readonly leased: number;
  /** what the budget still allows beyond measured and leased */
  readonly left: number;
}

/**
 * Out-of-fold error of the current model per kind and target, from its fit report; adaptive
 * campaigns add the runtime error on their held-out slice (campaigns/holdout.ts).
 */
export type KindErrors = Record<
  string,
  {
    runtime?: number;
    power?: number;
    rows: number;
    version?: number;
    heldOut?: { runtime: number; rows: number };
  }
>;

export interface CampaignSummary {
  readonly id: string;
  readonly platformId: string;
  readonly state: CampaignState;
  readonly reason: string | null;
  readonly options: CampaignOptions;
  readonly progress: Progress;
  readonly errors: KindErrors;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CampaignDetail extends CampaignSummary {
  readonly kinds: Record<string, Progress>;
  readonly leases: { id: string; agentId: string; items: number; expiresAt: string }[];
}

export interface LeasedItem {
  readonly itemId: number;
  readonly key: string;
  readonly config: LayerConfig;
  readonly repeat: boolean;
}

export type LeaseOutcome =
  | {
      readonly kind: 'lease';
      readonly id: string;
      readonly expiresAtMs: number;
      readonly items: LeasedItem[];
    }
  | { readonly kind: 'none' };

export interface LeaseRequestOf {
  readonly agentId: string;
  readonly requestId: string;
  readonly max: number;
  readonly budget: number;
  readonly ttlMs: number;
  readonly nowMs: number;
}

/**
 * Campaigns (tables `campaigns`, `campaign_items`, `campaign_leases`; migration 5). Every lease
 * decision is one transaction that first expires stale leases and marks measured items (an item
 * is measured when the platform has more than `copy` measurements with its natural key), and that
 * serialises with other lease decisions of the campaign, so two agents — on any replica — can
 * never get the same item. All state is in these rows: a restart loses nothing.
 */
export interface CampaignRepository {
  /** Stores a running campaign and its plan (items in the pool), then syncs measured items. */
  create(
    id: string,
    platformId: string,
    options: CampaignOptions,
    items: readonly PlannedItem[],
  ): Promise<void>;
  /** Campaign ids by created_at then id. */
  ids(filter?: { platformId?: string; state?: CampaignState }): Promise<string[]>;
  summary(id: string): Promise<CampaignSummary | null>;
  /** The summary plus per-kind progress and the leases unexpired at `nowMs` with the items they hold. */
  detail(id: string, nowMs: number): Promise<CampaignDetail | null>;
  /** Item counts by state (of one kind, or all); `left` = min(budget, planned) − measured − leased, ≥ 0. */
  progress(id: string, budget: number, kind?: string): Promise<Progress>;
  /** Sets state and reason; a campaign no longer running frees its leased items. */
  setState(id: string, state: CampaignState, reason: string | null): Promise<void>;
  setErrors(id: string, errors: KindErrors): Promise<void>;
  /** Expires leases past `nowMs` and marks measured items; resolves to items newly measured. */
  sync(id: string, nowMs: number): Promise<number>;
  /**
   * Leases up to `max` items to an agent, within the budget, highest priority first (then id). A
   * repeat (copy 1) is only leased once its first copy is measured, and not to the agent that
   * measured it first while another agent holds an unexpired lease on the campaign. A retried
   * request (same agent and requestId) gets the same lease back, with the items it still holds.
   */
  lease(id: string, request: LeaseRequestOf): Promise<LeaseOutcome>;
  /** The lease's agent, or null when the campaign has no such lease. */
  leaseOwner(id: string, leaseId: string): Promise<string | null>;
  /** Extends the lease to nowMs + ttlMs and says which of its items the agent still holds. */
  renew(
    id: string,
    leaseId: string,
    ttlMs: number,
    nowMs: number,
  ): Promise<{ expiresAtMs: number; held: number[] }>;
  /** Gives items of a lease back to the pool (default all it still holds); resolves to how many. */
  release(leaseId: string, items?: readonly number[]): Promise<number>;
  /** Unmeasured first copies of a kind in the pool, by id: the candidates an adaptive proposal ranks. */
  pool(id: string, kind: string): Promise<{ itemId: number; config: LayerConfig }[]>;
  /** Raises the given pool items (in order, first highest) above everything else in the campaign. */
  prioritise(id: string, itemIds: readonly number[]): Promise<void>;
}

/** A `campaigns` row as both stores read it. */
export interface CampaignRow {
  id: string;
  platform_id: string;
  options_json: string;
  state: CampaignState;
  reason: string | null;
  errors_json: string;
  created_at: string;
  updated_at: string;
}
