import {
  type ExportFilter,
  type LayerPointRow,
  type MeasurementRow,
  type PlatformDetail,
  type PlatformRow,
  type PlatformSummary,
  type PrecisionRow,
  platformSummary,
  precisionSummary,
  type QueryRepository,
} from '../queries.js';
import type { Db } from './open.js';

/** Read-only queries behind the HTTP API. */
export class SqliteQueryStore implements QueryRepository {
  private readonly platformsStmt;
  private readonly platformStmt;
  private readonly countsStmt;
  private readonly agentsStmt;
  private readonly precisionStmt;
  private readonly keysStmt;
  private readonly networkRecordsStmt;
  private readonly totalStmt;
  private readonly exportStmt;
  private readonly existsStmt;
  private readonly layerRowsStmt;

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
        precision_clock AS clock, sync_overhead_ms AS sync, revisit_drift_rel AS drift,
           revisit_across_processes AS across
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
    this.existsStmt = db.prepare('SELECT 1 FROM platforms WHERE id = ?').pluck();
    this.layerRowsStmt = db.prepare<[string, string, number], LayerPointRow>(
      `SELECT id, record_json, runtime_mean_ms, power_mean_w FROM measurements
       WHERE platform_id = ? AND type = 'layer' AND model_kind = ? ORDER BY id DESC LIMIT ?`,
    );
  }

  async platforms(): Promise<PlatformSummary[]> {
    return this.platformsStmt.all().map(platformSummary);
  }

  async platform(id: string): Promise<PlatformDetail | null> {
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
  async keys(platformId: string): Promise<string[]> {
    return this.keysStmt.all(platformId) as string[];
  }

  async networkRecords(platformId: string): Promise<MeasurementRow[]> {
    return this.networkRecordsStmt.all(platformId);
  }

  async totalMeasurements(): Promise<number> {
    return this.totalStmt.get() as number;
  }

  /**
   * One page of matching rows after `afterId`. Export pages by id rather than holding an iterator
   * open: an open iterator would make the connection busy and block ingest while a slow client reads.
   */
  async exportPage(filter: ExportFilter, afterId: number, limit: number): Promise<MeasurementRow[]> {
    return this.exportStmt.all({
      platform: filter.platformId ?? null,
      kind: filter.kind ?? null,
      from: filter.from ?? null,
      to: filter.to ?? null,
      after: afterId,
      limit,
    });
  }

  async platformExists(id: string): Promise<boolean> {
    return this.existsStmt.get(id) !== undefined;
  }

  async recentLayerRows(platformId: string, kind: string, limit: number): Promise<LayerPointRow[]> {
    return this.layerRowsStmt.all(platformId, kind, limit);
  }
}
