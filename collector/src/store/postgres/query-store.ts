import {
  type AgentSummary,
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
import type { PgDb } from './db.js';

const PLATFORM_SELECT = `SELECT p.*, (SELECT COUNT(*) FROM measurements m WHERE m.platform_id = p.id) AS measurements
  FROM platforms p`;

/** Read-only queries behind the HTTP API, in PostgreSQL. */
export class PgQueryStore implements QueryRepository {
  constructor(private readonly db: PgDb) {}

  async platforms(): Promise<PlatformSummary[]> {
    return (await this.db.rows<PlatformRow>(`${PLATFORM_SELECT} ORDER BY p.last_seen_at DESC`)).map(
      platformSummary,
    );
  }

  async platform(id: string): Promise<PlatformDetail | null> {
    const row = await this.db.one<PlatformRow>(`${PLATFORM_SELECT} WHERE p.id = $1`, [id]);
    if (!row) return null;
    const [counted, agents, precision] = await Promise.all([
      this.db.rows<{ kind: string; n: number }>(
        `SELECT COALESCE(model_kind, type) AS kind, COUNT(*) AS n FROM measurements
         WHERE platform_id = $1 GROUP BY type, model_kind ORDER BY COALESCE(model_kind, type) COLLATE "C"`,
        [id],
      ),
      // platforms_json is the JSON array of platform ids the agent's hello listed.
      this.db.rows<{
        id: string;
        host: string;
        agent_version: string | null;
        last_seen_at: string;
        last_seq: number | null;
      }>(
        `SELECT id, host, agent_version, last_seen_at, last_seq FROM agents
         WHERE platforms_json::jsonb ? $1 ORDER BY last_seen_at DESC`,
        [id],
      ),
      this.db.rows<PrecisionRow>(
        `SELECT runtime_median_ms AS median, runtime_ci_low_ms AS low, runtime_ci_high_ms AS high,
           precision_target_reached AS reached, precision_blocks AS blocks, precision_outlier_blocks AS outliers,
           precision_clock AS clock, sync_overhead_ms AS sync, revisit_drift_rel AS drift,
           revisit_across_processes AS across
         FROM measurements WHERE platform_id = $1 AND precision_blocks IS NOT NULL ORDER BY id`,
        [id],
      ),
    ]);
    const counts: Record<string, number> = {};
    for (const c of counted) counts[c.kind] = c.n;
    const agentSummaries: AgentSummary[] = agents.map((a) => ({
      id: a.id,
      host: a.host,
      agentVersion: a.agent_version,
      lastSeenAt: a.last_seen_at,
      lastSeq: a.last_seq,
    }));
    return {
      ...platformSummary(row),
      counts,
      precision: precisionSummary(precision),
      agents: agentSummaries,
    };
  }

  async platformExists(id: string): Promise<boolean> {
    return (await this.db.one('SELECT 1 FROM platforms WHERE id = $1', [id])) !== null;
  }

  async keys(platformId: string): Promise<string[]> {
    const rows = await this.db.rows<{ natural_key: string }>(
      'SELECT DISTINCT natural_key COLLATE "C" AS natural_key FROM measurements WHERE platform_id = $1 ORDER BY 1',
      [platformId],
    );
    return rows.map((r) => r.natural_key);
  }

  networkRecords(platformId: string): Promise<MeasurementRow[]> {
    return this.db.rows<MeasurementRow>(
      `SELECT * FROM measurements WHERE platform_id = $1 AND type = 'network' AND excluded_at IS NULL ORDER BY id`,
      [platformId],
    );
  }

  /**
   * An exact COUNT(*): PostgreSQL ids come from a sequence with gaps (rolled-back inserts, other
   * replicas), so SQLite's MAX(id) shortcut does not hold. An index-only scan of the primary key.
   */
  async totalMeasurements(): Promise<number> {
    return (await this.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM measurements'))!.n;
  }

  exportPage(filter: ExportFilter, afterId: number, limit: number): Promise<MeasurementRow[]> {
    return this.db.rows<MeasurementRow>(
      `SELECT * FROM measurements
       WHERE ($1::text IS NULL OR platform_id = $1)
         AND ($2::text IS NULL OR COALESCE(model_kind, type) = $2)
         AND ($3::text IS NULL OR started_at >= $3)
         AND ($4::text IS NULL OR started_at < $4)
         AND excluded_at IS NULL
         AND id > $5
       ORDER BY id LIMIT $6`,
      [
        filter.platformId ?? null,
        filter.kind ?? null,
        filter.from ?? null,
        filter.to ?? null,
        afterId,
        limit,
      ],
    );
  }

  recentLayerRows(platformId: string, kind: string, limit: number): Promise<LayerPointRow[]> {
    return this.db.rows<LayerPointRow>(
      `SELECT id, record_json, runtime_mean_ms, power_mean_w FROM measurements
       WHERE platform_id = $1 AND type = 'layer' AND model_kind = $2 ORDER BY id DESC LIMIT $3`,
      [platformId, kind, limit],
    );
  }
}
