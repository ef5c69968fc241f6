export const CURATION_ACTIONS = ['exclude', 'include', 'delete'] as const;
export type CurationAction = (typeof CURATION_ACTIONS)[number];

/** Which measurements of one platform an operator acts on; every given condition must hold. */
export interface MeasurementSelection {
  readonly platformId: string;
  /** model kind (conv, fc, …) or `network` */
  readonly kind?: string;
  /** natural key, as `GET /v1/platforms/:id/keys` lists them */
  readonly key?: string;
  readonly agentId?: string;
  /** measured (started) before this ISO date-time */
  readonly before?: string;
  /** only rows whose runtime or power lies outside the protocol's plausible ranges (BOUNDS) */
  readonly implausible?: boolean;
}

export interface Actor {
  readonly tokenId: number | null;
  readonly tokenName: string;
}

export interface CurationResult {
  readonly auditId: number;
  readonly action: CurationAction;
  readonly rows: number;
  /** layer model kinds that lost or regained rows: the ones to refit (sorted) */
  readonly kinds: readonly string[];
}

export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly tokenName: string;
  readonly action: CurationAction;
  readonly platformId: string;
  readonly filter: MeasurementSelection;
  readonly rows: number;
  readonly reason: string | null;
}

/** A `measurement_audit` row as both stores read it. */
export interface AuditRow {
  id: number;
  at: string;
  token_name: string;
  action: CurationAction;
  platform_id: string;
  filter_json: string;
  rows: number;
  reason: string | null;
}

export function auditEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    tokenName: r.token_name,
    action: r.action,
    platformId: r.platform_id,
    filter: JSON.parse(r.filter_json) as MeasurementSelection,
    rows: r.rows,
    reason: r.reason,
  };
}

/**
 * Operator curation of stored measurements (`measurements.excluded_at`, `measurement_audit`):
 * exclude (kept, but unused by fits and exports), include again, or delete. Each action and its
 * audit row are one transaction. Deleting a measurement leaves its batch row, so a resent batch is
 * still recognised as a duplicate.
 */
export interface CurationRepository {
  /**
   * exclude: sets excluded_at on matching unexcluded rows; include: clears it on matching excluded
   * rows; delete: deletes matching rows. `rows` counts rows changed; `kinds` the layer kinds among
   * them. `implausible` matches runtime_mean_ms outside BOUNDS.runtimeMs or COALESCE(power_mean_w,
   * 0) outside BOUNDS.powerW. The audit row stores the selection as JSON.
   */
  apply(
    action: CurationAction,
    selection: MeasurementSelection,
    actor: Actor,
    reason?: string,
  ): Promise<CurationResult>;
  /** Audit entries (of one platform, or all with null), newest first. */
  audit(platformId: string | null, limit?: number): Promise<AuditEntry[]>;
}
