import type { Db } from './open.js';

export interface PlatformSummary {
  readonly id: string;
  readonly description: string;
  readonly input: unknown;
  readonly details: unknown;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly measurements: number;
}

export interface PlatformDetail extends PlatformSummary {
  /** layer measurements per model kind, plus `network` for end-to-end records */
  readonly counts: Record<string, number>;
  /** how precisely this platform's runtimes were measured (block protocol records); null if none has an interval */
  readonly precision: PrecisionSummary | null;
  readonly agents: {
    id: string;
    host: string;
    agentVersion: string | null;
    lastSeenAt: string;
    lastSeq: number | null;
  }[];
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
  /** configurations revisited at the end of a sweep: |second / first − 1| */
  readonly drift: {
    readonly revisits: number;
    readonly medianAbsRel: number;
    readonly maxAbsRel: number;
  } | null;
}

interface PrecisionRow {
  median: number;
  low: number;
  high: number;
  reached: number;
  blocks: number;
  outliers: number;
  clock: string | null;
  sync: number | null;
  drift: number | null;
}

function quantile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function precisionSummary(rows: readonly PrecisionRow[]): PrecisionSummary | null {
  if (rows.length === 0) return null;
  const half = rows
    .map((r) => Math.max(r.median - r.low, r.high - r.median) / r.median)
    .sort((a, b) => a - b);
  const drifts = rows.flatMap((r) => (r.drift === null ? [] : [Math.abs(r.drift)])).sort((a, b) => a - b);
  const newest = rows[rows.length - 1]!;
  return {
    records: rows.length,
    targetReached: rows.filter((r) => r.reached === 1).length,
    ciHalfWidthRel: { median: quantile(half, 0.5), p90: quantile(half, 0.9) },
    blocks: rows.reduce((n, r) => n + r.blocks, 0),
    outlierBlocks: rows.reduce((n, r) => n + r.outliers, 0),
    clock: newest.clock,
    syncOverheadMs: newest.sync,
    drift:
      drifts.length === 0
        ? null
        : {
            revisits: drifts.length,
            medianAbsRel: quantile(drifts, 0.5),
            maxAbsRel: drifts[drifts.length - 1]!,
          },
  };
}

interface PlatformRow {
  id: string;
  description: string;
  input_json: string;
  details_json: string | null;
  first_seen_at: string;
  last_seen_at: string;
  measurements: number;
}

export interface ExportFilter {
  readonly platformId?: string;
  readonly kind?: string;
  /** ISO date-times bounding `started_at` (inclusive from, exclusive to) */
  readonly from?: string;
  readonly to?: string;
}

export interface MeasurementRow {
  readonly id: number;
  readonly platform_id: string;
  readonly agent_id: string;
  readonly seq: number;
  readonly idx: number;
  readonly type: 'layer' | 'network';
  readonly model_kind: string | null;
  readonly network_name: string | null;
  readonly natural_key: string;
  readonly batch: number;
  readonly runtime_mean_ms: number;
  readonly runtime_median_ms: number;
  readonly runtime_std_ms: number;
  readonly runtime_n: number;
  readonly power_mean_w: number | null;
  readonly energy_mj: number | null;
  readonly started_at: string;
  readonly ended_at: string;
  readonly received_at: string;
  readonly record_json: string;
}

function platformSummary(row: PlatformRow): PlatformSummary {
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

/** Read-only queries behind the HTTP API. */
export class QueryStore {
  private readonly platformsStmt;
  private readonly platformStmt;
  private readonly countsStmt;
  private readonly agentsStmt;
  private readonly precisionStmt;
  private readonly keysStmt;
  private readonly networkRecordsStmt;
  private readonly totalStmt;
  private readonly exportStmt;

  constructor(db: Db) {
    const platformSelect = `SELECT p.*, (SELECT COUNT(*) FROM measurements m WHERE m.platform_id = p.id) AS measurements
      FROM platforms p`;
    this.platformsStmt = db.prepare<[], PlatformRow>(`${platformSelect} ORDER BY p.last_seen_at DESC`);
    this.platformStmt = db.prepare<[string], PlatformRow>(`${platformSelect} WHERE p.id = ?`);
    this.countsStmt = db.prepare<[string], { kind: string; n: number }>(`
      SELECT COALESCE(model_kind, type) AS kind, COUNT(*) AS n FROM measurements
      WHERE platform_id = ? GROUP BY type, model_kind ORDER BY kind`);
    this.agentsStmt = db.prepare<
      [string],
      {
        id: string;
        host: string;
        agent_version: string | null;
        last_seen_at: string;
        last_seq: number | null;
      }
    >(`SELECT a.id, a.host, a.agent_version, a.last_seen_at, a.last_seq FROM agents a, json_each(a.platforms_json) j
       WHERE j.value = ? ORDER BY a.last_seen_at DESC`);
    this.precisionStmt = db.prepare<[string], PrecisionRow>(`
      SELECT runtime_median_ms AS median, runtime_ci_low_ms AS low, runtime_ci_high_ms AS high,
        precision_target_reached AS reached, precision_blocks AS blocks, precision_outlier_blocks AS outliers,
        precision_clock AS clock, sync_overhead_ms AS sync, revisit_drift_rel AS drift
      FROM measurements WHERE platform_id = ? AND precision_blocks IS NOT NULL ORDER BY id`);
    this.keysStmt = db.prepare('SELECT DISTINCT natural_key FROM measurements WHERE platform_id = ?').pluck();
    this.networkRecordsStmt = db.prepare<[string], MeasurementRow>(
      `SELECT * FROM measurements WHERE platform_id = ? AND type = 'network' AND excluded_at IS NULL ORDER BY id`,
    );
    // Until an operator deletes rows, ids are rowids (max + 1, reused after a rollback), so MAX(id)
    // is the row count, in O(1) instead of a scan: /healthz is polled by probes. After a delete
    // (recorded in measurement_audit) only a count is right.
    this.totalStmt = db
      .prepare(`SELECT CASE WHEN EXISTS (SELECT 1 FROM measurement_audit WHERE action = 'delete' AND rows > 0)
        THEN (SELECT COUNT(*) FROM measurements) ELSE (SELECT COALESCE(MAX(id), 0) FROM measurements) END`)
      .pluck();
    this.exportStmt = db.prepare<Record<string, string | number | null>, MeasurementRow>(`
      SELECT * FROM measurements
      WHERE (@platform IS NULL OR platform_id = @platform)
        AND (@kind IS NULL OR COALESCE(model_kind, type) = @kind)
        AND (@from IS NULL OR started_at >= @from)
        AND (@to IS NULL OR started_at < @to)
        AND excluded_at IS NULL
        AND id > @after
      ORDER BY id LIMIT @limit`);
  }

  platforms(): PlatformSummary[] {
    return this.platformsStmt.all().map(platformSummary);
  }

  platform(id: string): PlatformDetail | null {
    const row = this.platformStmt.get(id);
    if (!row) return null;
    const counts: Record<string, number> = {};
    for (const c of this.countsStmt.all(id)) counts[c.kind] = c.n;
    const agents = this.agentsStmt.all(id).map((a) => ({
      id: a.id,
      host: a.host,
      agentVersion: a.agent_version,
      lastSeenAt: a.last_seen_at,
      lastSeq: a.last_seq,
    }));
    const precision = precisionSummary(this.precisionStmt.all(id));
    return { ...platformSummary(row), counts, precision, agents };
  }

  /** Natural keys of everything measured on a platform (agents skip these). */
  keys(platformId: string): string[] {
    return this.keysStmt.all(platformId) as string[];
  }

  networkRecords(platformId: string): MeasurementRow[] {
    return this.networkRecordsStmt.all(platformId);
  }

  totalMeasurements(): number {
    return this.totalStmt.get() as number;
  }

  /**
   * One page of matching rows after `afterId`. Export pages by id rather than holding an iterator
   * open: an open iterator would make the connection busy and block ingest while a slow client reads.
   */
  exportPage(filter: ExportFilter, afterId: number, limit: number): MeasurementRow[] {
    return this.exportStmt.all({
      platform: filter.platformId ?? null,
      kind: filter.kind ?? null,
      from: filter.from ?? null,
      to: filter.to ?? null,
      after: afterId,
      limit,
    });
  }
}
