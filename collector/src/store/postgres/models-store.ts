import {
  assertStorable,
  type FitRecord,
  type ModelRepository,
  type ModelVersionFull,
  type ModelVersionSummary,
  type NewModelVersion,
  type PointerMove,
  type Target,
  VERSION_JOIN,
  VERSION_SUMMARY_COLUMNS,
  type VersionPointer,
  type VersionRow,
  versionFull,
  versionSummary,
} from '../models.js';
import type { PgDb, Sql } from './db.js';
import { VERSION_LOCK } from './locks.js';

/** How a pointer move is announced: a NOTIFY queued in the transaction, then the local listeners. */
export interface VersionEvents {
  /** inside the writing transaction: delivered to every replica when (and only if) it commits */
  queue(sql: Sql, platformId: string): Promise<void>;
  /** after the commit, to this process's own listeners at once */
  committed(platformId: string): void;
}

/**
 * Model versions in PostgreSQL. Every write of a platform's versions or pointers first takes the
 * transaction advisory lock (VERSION_LOCK, platform): writers of one platform — on any replica —
 * run one after the other, so MAX(version) + 1 inside the transaction is strictly increasing and
 * never handed out twice (UNIQUE (platform_id, version) is the backstop).
 */
export class PgModelStore implements ModelRepository {
  constructor(
    private readonly db: PgDb,
    private readonly events: VersionEvents,
  ) {}

  currentPointers(platformId: string): Promise<VersionPointer[]> {
    return this.db.rows<VersionPointer>(
      'SELECT model_kind AS kind, target, version FROM current_models WHERE platform_id = $1 ORDER BY model_kind COLLATE "C", target',
      [platformId],
    );
  }

  snapshotPointers(platformId: string, version: number): Promise<VersionPointer[]> {
    return this.db.rows<VersionPointer>(
      `SELECT model_kind AS kind, target, MAX(version) AS version FROM model_versions
       WHERE platform_id = $1 AND version <= $2 GROUP BY model_kind, target ORDER BY model_kind COLLATE "C", target`,
      [platformId, version],
    );
  }

  async modelJson(platformId: string, version: number): Promise<string | null> {
    const row = await this.db.one<{ model_json: string }>(
      'SELECT model_json FROM model_versions WHERE platform_id = $1 AND version = $2',
      [platformId, version],
    );
    return row?.model_json ?? null;
  }

  async versionNumbers(platformId: string): Promise<number[]> {
    const rows = await this.db.rows<{ version: number }>(
      'SELECT version FROM model_versions WHERE platform_id = $1 ORDER BY version',
      [platformId],
    );
    return rows.map((r) => r.version);
  }

  async addVersions(versions: readonly NewModelVersion[], reason: string): Promise<ModelVersionSummary[]> {
    assertStorable(versions);
    const out = await this.db.tx((sql) => this.insertVersions(sql, versions, reason));
    this.announce(versions.map((v) => v.platformId));
    return out;
  }

  async recordFit(fit: FitRecord): Promise<ModelVersionSummary[]> {
    assertStorable(fit.versions);
    const out = await this.db.tx(async (sql) => {
      const created = await this.insertVersions(sql, fit.versions, fit.reason);
      await sql.run(
        `INSERT INTO fit_state (platform_id, model_kind, measurements_at_fit, fitted_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (platform_id, model_kind) DO UPDATE SET measurements_at_fit = excluded.measurements_at_fit,
           fitted_at = excluded.fitted_at`,
        [fit.platformId, fit.kind, fit.measurementsAtFit, new Date().toISOString()],
      );
      return created;
    });
    this.announce(fit.versions.map((v) => v.platformId));
    return out;
  }

  private announce(platformIds: readonly string[]): void {
    for (const id of new Set(platformIds)) this.events.committed(id);
  }

  private async lockPlatforms(sql: Sql, platformIds: readonly string[]): Promise<void> {
    // Sorted, so two writers of the same platforms take their locks in the same order.
    for (const id of [...new Set(platformIds)].sort()) {
      await sql.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [VERSION_LOCK, id]);
    }
  }

  private async insertVersions(
    sql: Sql,
    versions: readonly NewModelVersion[],
    reason: string,
  ): Promise<ModelVersionSummary[]> {
    await this.lockPlatforms(
      sql,
      versions.map((v) => v.platformId),
    );
    const now = new Date().toISOString();
    const next = new Map<string, number>();
    const out: ModelVersionSummary[] = [];
    for (const v of versions) {
      let version = next.get(v.platformId);
      if (version === undefined) {
        const max = await sql.one<{ max: number | null }>(
          'SELECT MAX(version) AS max FROM model_versions WHERE platform_id = $1',
          [v.platformId],
        );
        version = (max?.max ?? 0) + 1;
      }
      next.set(v.platformId, version + 1);
      const parent =
        (
          await sql.one<{ version: number }>(
            'SELECT version FROM current_models WHERE platform_id = $1 AND model_kind = $2 AND target = $3',
            [v.platformId, v.kind, v.target],
          )
        )?.version ?? null;
      await sql.run(
        `INSERT INTO model_versions (platform_id, model_kind, target, version, parent_version, created_at,
           training_rows, training_set_hash, report_json, model_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          v.platformId,
          v.kind,
          v.target,
          version,
          parent,
          now,
          v.trainingRows,
          v.trainingSetHash,
          JSON.stringify(v.report),
          v.modelJson,
        ],
      );
      await this.movePointer(sql, v.platformId, v.kind, v.target, parent, version, reason, now);
      out.push({
        platformId: v.platformId,
        kind: v.kind,
        target: v.target,
        version,
        parentVersion: parent,
        createdAt: now,
        trainingRows: v.trainingRows,
        trainingSetHash: v.trainingSetHash,
        report: v.report,
        current: true,
      });
    }
    for (const id of next.keys()) await this.events.queue(sql, id);
    return out;
  }

  private async movePointer(
    sql: Sql,
    platformId: string,
    kind: string,
    target: Target,
    from: number | null,
    to: number,
    reason: string,
    now: string,
  ): Promise<void> {
    await sql.run(
      `INSERT INTO current_models (platform_id, model_kind, target, version, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (platform_id, model_kind, target) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
      [platformId, kind, target, to, now],
    );
    await sql.run(
      `INSERT INTO pointer_moves (platform_id, model_kind, target, from_version, to_version, reason, moved_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [platformId, kind, target, from, to, reason, now],
    );
  }

  async list(platformId: string): Promise<ModelVersionSummary[]> {
    const rows = await this.db.rows<VersionRow>(
      `SELECT ${VERSION_SUMMARY_COLUMNS} ${VERSION_JOIN} WHERE v.platform_id = $1 ORDER BY v.version`,
      [platformId],
    );
    return rows.map(versionSummary);
  }

  async get(platformId: string, version: number): Promise<ModelVersionFull | null> {
    const row = await this.db.one<VersionRow>(
      `SELECT ${VERSION_SUMMARY_COLUMNS}, v.model_json ${VERSION_JOIN} WHERE v.platform_id = $1 AND v.version = $2`,
      [platformId, version],
    );
    return row ? versionFull(row) : null;
  }

  async current(platformId: string): Promise<ModelVersionFull[]> {
    const rows = await this.db.rows<VersionRow>(
      `SELECT ${VERSION_SUMMARY_COLUMNS}, v.model_json FROM current_models c JOIN model_versions v
         ON v.platform_id = c.platform_id AND v.version = c.version
       WHERE c.platform_id = $1 ORDER BY v.model_kind COLLATE "C", v.target`,
      [platformId],
    );
    return rows.map(versionFull);
  }

  async currentTrainingHash(platformId: string, kind: string, target: Target): Promise<string | null> {
    const row = await this.db.one<{ training_set_hash: string }>(
      `SELECT v.training_set_hash FROM current_models c JOIN model_versions v
         ON v.platform_id = c.platform_id AND v.version = c.version
       WHERE c.platform_id = $1 AND c.model_kind = $2 AND c.target = $3`,
      [platformId, kind, target],
    );
    return row?.training_set_hash ?? null;
  }

  async rollback(platformId: string, kind: string, target: Target, to?: number): Promise<PointerMove> {
    const move = await this.db.tx(async (sql): Promise<PointerMove> => {
      await this.lockPlatforms(sql, [platformId]);
      const from =
        (
          await sql.one<{ version: number }>(
            'SELECT version FROM current_models WHERE platform_id = $1 AND model_kind = $2 AND target = $3',
            [platformId, kind, target],
          )
        )?.version ?? null;
      if (from === null) throw new Error(`platform ${platformId} has no current ${kind} ${target} model`);
      const find = (version: number) =>
        sql.one<{ model_kind: string; target: string; parent_version: number | null }>(
          'SELECT model_kind, target, parent_version FROM model_versions WHERE platform_id = $1 AND version = $2',
          [platformId, version],
        );
      let dest: number;
      if (to !== undefined) {
        const row = await find(to);
        if (!row) throw new Error(`platform ${platformId} has no model version ${to}`);
        if (row.model_kind !== kind || row.target !== target) {
          throw new Error(`version ${to} is a ${row.model_kind} ${row.target} model, not ${kind} ${target}`);
        }
        dest = to;
      } else {
        const cur = await find(from);
        if (cur?.parent_version == null) {
          throw new Error(`version ${from} (${kind} ${target}) has no parent to roll back to`);
        }
        dest = cur.parent_version;
      }
      const now = new Date().toISOString();
      await this.movePointer(
        sql,
        platformId,
        kind,
        target,
        from,
        dest,
        to === undefined ? 'rollback' : `rollback to ${to}`,
        now,
      );
      await this.events.queue(sql, platformId);
      return { kind, target, fromVersion: from, toVersion: dest };
    });
    this.announce([platformId]);
    return move;
  }
}
