import type { MeasurementBaseColumns } from './measurement-row.js';
export interface PlatformSummary {
  readonly id: string;
  readonly description: string;
  readonly input: unknown;
  readonly details: unknown;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly measurements: number;
}

export interface AgentSummary {
  readonly id: string;
  readonly host: string;
  readonly agentVersion: string | null;
  readonly lastSeenAt: string;
  readonly lastSeq: number | null;
}

export interface PlatformDetail extends PlatformSummary {
  /** layer measurements per model kind, plus `network` for end-to-end records */
  readonly counts: Record<string, number>;
  /** how precisely this platform's runtimes were measured (block protocol records); null if none has an interval */
  readonly precision: PrecisionSummary | null;
  /** agents whose hello listed the platform, most recently seen first */
  readonly agents: AgentSummary[];
}

export interface PrecisionSummary {
  /** records timed by the block protocol (those timed run by run carry no interval) */
  readonly records: number;
  readonly targetReached: number;
  /** half-width of the median's interval relative to the median, over the records */
  readonly ciHalfWidthRel: { readonly median: number; readonly p90: number };
  readonly blocks: number;
  readonly outlierBlocks: number;
  /** the newest record's clock and synchronisation overhead */
  readonly clock: string | null;
  readonly syncOverheadMs: number | null;
  /** configurations revisited at the end of a sweep, in the same agent process: |second / first − 1| */
  readonly drift: DriftSummary | null;
  /**
   * configurations a resumed sweep revisited that an earlier agent process measured: the drift
   * between processes (docs/measurement.md §5), the figure repeatability is judged by
   */
  readonly processDrift: DriftSummary | null;
}

export interface DriftSummary {
  readonly revisits: number;
  readonly medianAbsRel: number;
  readonly maxAbsRel: number;
}

/** One block-protocol measurement's precision columns, oldest first, as `precisionSummary` reads them. */
export interface PrecisionRow {
  /** runtime_median_ms */
  readonly median: number;
  /** runtime_ci_low_ms / runtime_ci_high_ms */
  readonly low: number;
  readonly high: number;
  /** precision_target_reached (0/1) */
  readonly reached: number;
  readonly blocks: number;
  readonly outliers: number;
  readonly clock: string | null;
  readonly sync: number | null;
  readonly drift: number | null;
  /** revisit_across_processes (0/1; null on a row that is no revisit) */
  readonly across: number | null;
}

export interface ExportFilter {
  readonly platformId?: string;
  readonly kind?: string;
  /** ISO date-times bounding `started_at` (inclusive from, exclusive to) */
  readonly from?: string;
  readonly to?: string;
}

/** A `measurements` row as the API exports it (migration 1's columns; numbers as JS numbers). */
export interface MeasurementRow extends MeasurementBaseColumns {
  readonly id: number;
}

/** A layer measurement as the dashboard's fit scatter reads it. */
export interface LayerPointRow {
  readonly id: number;
  readonly record_json: string;
  readonly runtime_mean_ms: number;
  readonly power_mean_w: number | null;
}

/** Read-only queries behind the HTTP API and the dashboard. */
export interface QueryRepository {
  /** Every platform with its measurement count, most recently seen first. */
  platforms(): Promise<PlatformSummary[]>;
  platform(id: string): Promise<PlatformDetail | null>;
  platformExists(id: string): Promise<boolean>;
  /** Distinct natural keys measured on the platform (agents skip these); excluded rows count. */
  keys(platformId: string): Promise<string[]>;
  /** Unexcluded network records of the platform, by id. */
  networkRecords(platformId: string): Promise<MeasurementRow[]>;
  /** Stored measurement rows (excluded ones included); cheap: /healthz is polled by probes. */
  totalMeasurements(): Promise<number>;
  /**
   * One page of unexcluded rows matching `filter` with id > `afterId`, by id, at most `limit`.
   * `kind` matches model_kind, or `network` for network rows.
   */
  exportPage(filter: ExportFilter, afterId: number, limit: number): Promise<MeasurementRow[]>;
  /** The newest `limit` layer measurements of a kind (excluded ones included), newest first. */
  recentLayerRows(platformId: string, kind: string, limit: number): Promise<LayerPointRow[]>;
}

function quantile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** The precision summary of a platform's block-protocol rows (oldest first); null when there are none. */
export function precisionSummary(rows: readonly PrecisionRow[]): PrecisionSummary | null {
  if (rows.length === 0) return null;
  const half = rows
    .map((r) => Math.max(r.median - r.low, r.high - r.median) / r.median)
    .sort((a, b) => a - b);
  const newest = rows[rows.length - 1]!;
  return {
    records: rows.length,
    targetReached: rows.filter((r) => r.reached === 1).length,
    ciHalfWidthRel: { median: quantile(half, 0.5), p90: quantile(half, 0.9) },
    blocks: rows.reduce((n, r) => n + r.blocks, 0),
    outlierBlocks: rows.reduce((n, r) => n + r.outliers, 0),
    clock: newest.clock,
    syncOverheadMs: newest.sync,
    drift: driftSummary(rows.filter((r) => r.across !== 1)),
    processDrift: driftSummary(rows.filter((r) => r.across === 1)),
  };
}

function driftSummary(rows: readonly PrecisionRow[]): DriftSummary | null {
  const drifts = rows.flatMap((r) => (r.drift === null ? [] : [Math.abs(r.drift)])).sort((a, b) => a - b);
  if (drifts.length === 0) return null;
  return {
    revisits: drifts.length,
    medianAbsRel: quantile(drifts, 0.5),
    maxAbsRel: drifts[drifts.length - 1]!,
  };
}

/** A `platforms` row with its measurement count, as both stores read it. */
export interface PlatformRow {
  id: string;
  description: string;
  input_json: string;
  details_json: string | null;
  first_seen_at: string;
  last_seen_at: string;
  measurements: number;
}

export function platformSummary(row: PlatformRow): PlatformSummary {
  return {
    id: row.id,
    description: row.description,
    input: JSON.parse(row.input_json),
    details: row.details_json === null ? null : JSON.parse(row.details_json),
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    measurements: row.measurements,
  };
}
