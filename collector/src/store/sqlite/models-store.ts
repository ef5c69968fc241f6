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
import type { Db } from './open.js';

/**
 * Model versions in SQLite (see store/models.ts). One collector per file and IMMEDIATE
 * transactions serialise writers, so MAX + 1 inside the transaction is the next version.
 * `current_models` is the only mutable part: one pointer per (platform, kind, target).
 */
export class SqliteModelStore implements ModelRepository {
  private readonly maxVersion;
  private readonly currentOf;
  private readonly insertVersion;
  private readonly upsertCurrent;
  private readonly insertMove;
  private readonly listStmt;
  private readonly oneStmt;
  private readonly currentStmt;
  private readonly findVersion;
  private readonly trainingHashOfCurrent;
  private readonly currentPointersStmt;
  private readonly snapshotPointersStmt;
  private readonly modelJsonStmt;
  private readonly versionNumbersStmt;

  private readonly saveFitState;

  constructor(
    private readonly db: Db,
    /** called after a commit that moved pointers of the platform */
    private readonly changed: (platformId: string) => void,
  ) {
    this.saveFitState = db.prepare(`
      INSERT INTO fit_state (platform_id, model_kind, measurements_at_fit, fitted_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (platform_id, model_kind) DO UPDATE SET measurements_at_fit = excluded.measurements_at_fit,
        fitted_at = excluded.fitted_at`);
    this.maxVersion = db.prepare('SELECT MAX(version) FROM model_versions WHERE platform_id = ?').pluck();
    this.currentOf = db
      .prepare('SELECT version FROM current_models WHERE platform_id = ? AND model_kind = ? AND target = ?')
      .pluck();
    this.insertVersion = db.prepare(`
      INSERT INTO model_versions (platform_id, model_kind, target, version, parent_version, created_at,
        training_rows, training_set_hash, report_json, model_json)
      VALUES (@platformId, @kind, @target, @version, @parent, @now, @rows, @hash, @report, @model)`);
    this.upsertCurrent = db.prepare(`
      INSERT INTO current_models (platform_id, model_kind, target, version, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (platform_id, model_kind, target) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`);
    this.insertMove = db.prepare(`
      INSERT INTO pointer_moves (platform_id, model_kind, target, from_version, to_version, reason, moved_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.listStmt = db.prepare<[string], VersionRow>(
      `SELECT ${VERSION_SUMMARY_COLUMNS} ${VERSION_JOIN} WHERE v.platform_id = ? ORDER BY v.version`,
    );
    this.oneStmt = db.prepare<[string, number], VersionRow>(
      `SELECT ${VERSION_SUMMARY_COLUMNS}, v.model_json ${VERSION_JOIN} WHERE v.platform_id = ? AND v.version = ?`,
    );
    this.currentStmt = db.prepare<[string], VersionRow>(
      `SELECT ${VERSION_SUMMARY_COLUMNS}, v.model_json FROM current_models c JOIN model_versions v
        ON v.platform_id = c.platform_id AND v.version = c.version WHERE c.platform_id = ? ORDER BY v.model_kind, v.target`,
    );
    this.findVersion = db.prepare<[string, number], VersionRow>(
      `SELECT ${VERSION_SUMMARY_COLUMNS} ${VERSION_JOIN} WHERE v.platform_id = ? AND v.version = ?`,
    );
    this.trainingHashOfCurrent = db
      .prepare(`SELECT v.training_set_hash FROM current_models c JOIN model_versions v
        ON v.platform_id = c.platform_id AND v.version = c.version
        WHERE c.platform_id = ? AND c.model_kind = ? AND c.target = ?`)
      .pluck();
    this.currentPointersStmt = db.prepare<[string], VersionPointer>(
      'SELECT model_kind AS kind, target, version FROM current_models WHERE platform_id = ? ORDER BY model_kind, target',
    );
    this.snapshotPointersStmt = db.prepare<[string, number], VersionPointer>(`
      SELECT model_kind AS kind, target, MAX(version) AS version FROM model_versions
      WHERE platform_id = ? AND version <= ? GROUP BY model_kind, target ORDER BY model_kind, target`);
    this.modelJsonStmt = db
      .prepare('SELECT model_json FROM model_versions WHERE platform_id = ? AND version = ?')
      .pluck();
    this.versionNumbersStmt = db
      .prepare('SELECT version FROM model_versions WHERE platform_id = ? ORDER BY version')
      .pluck();
  }

  /** (kind, target, version) the current pointers name; cheap, no model text. */
  async currentPointers(platformId: string): Promise<VersionPointer[]> {
    return this.currentPointersStmt.all(platformId);
  }

  /** (kind, target, version) of the snapshot at `version`. */
  async snapshotPointers(platformId: string, version: number): Promise<VersionPointer[]> {
    return this.snapshotPointersStmt.all(platformId, version);
  }

  async modelJson(platformId: string, version: number): Promise<string | null> {
    return (this.modelJsonStmt.get(platformId, version) as string | undefined) ?? null;
  }

  async versionNumbers(platformId: string): Promise<number[]> {
    return this.versionNumbersStmt.all(platformId) as number[];
  }

  async addVersions(versions: readonly NewModelVersion[], reason: string): Promise<ModelVersionSummary[]> {
    assertStorable(versions);
    const out = this.db.transaction(() => this.insertVersions(versions, reason)).immediate();
    this.notify(versions);
    return out;
  }

  async recordFit(fit: FitRecord): Promise<ModelVersionSummary[]> {
    assertStorable(fit.versions);
    const out = this.db
      .transaction(() => {
        const created = this.insertVersions(fit.versions, fit.reason);
        this.saveFitState.run(fit.platformId, fit.kind, fit.measurementsAtFit, new Date().toISOString());
        return created;
      })
      .immediate();
    this.notify(fit.versions);
    return out;
  }

  private notify(versions: readonly NewModelVersion[]): void {
    for (const platformId of new Set(versions.map((v) => v.platformId))) this.changed(platformId);
  }

  /** Inside a transaction: the next numbers of each platform, parents from the pointers, pointers moved. */
  private insertVersions(versions: readonly NewModelVersion[], reason: string): ModelVersionSummary[] {
    const now = new Date().toISOString();
    const next = new Map<string, number>();
    const out: ModelVersionSummary[] = [];
    for (const v of versions) {
      const version =
        next.get(v.platformId) ?? ((this.maxVersion.get(v.platformId) as number | null) ?? 0) + 1;
      next.set(v.platformId, version + 1);
      const parent = (this.currentOf.get(v.platformId, v.kind, v.target) as number | undefined) ?? null;
      this.insertVersion.run({
        platformId: v.platformId,
        kind: v.kind,
        target: v.target,
        version,
        parent,
        now,
        rows: v.trainingRows,
        hash: v.trainingSetHash,
        report: JSON.stringify(v.report),
        model: v.modelJson,
      });
      this.upsertCurrent.run(v.platformId, v.kind, v.target, version, now);
      this.insertMove.run(v.platformId, v.kind, v.target, parent, version, reason, now);
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
    return out;
  }

  async list(platformId: string): Promise<ModelVersionSummary[]> {
    return this.listStmt.all(platformId).map(versionSummary);
  }

  async get(platformId: string, version: number): Promise<ModelVersionFull | null> {
    const row = this.oneStmt.get(platformId, version);
    return row ? versionFull(row) : null;
  }

  /** The models the current pointers name. */
  async current(platformId: string): Promise<ModelVersionFull[]> {
    return this.currentStmt.all(platformId).map((row) => versionFull(row));
  }

  async currentTrainingHash(platformId: string, kind: string, target: Target): Promise<string | null> {
    return (this.trainingHashOfCurrent.get(platformId, kind, target) as string | undefined) ?? null;
  }

  /**
   * Moves the (kind, target) pointer back: to `to` if given (any existing version of that kind and
   * target), else to the current version's parent.
   */
  async rollback(platformId: string, kind: string, target: Target, to?: number): Promise<PointerMove> {
    const move = this.db
      .transaction((): PointerMove => {
        const from = (this.currentOf.get(platformId, kind, target) as number | undefined) ?? null;
        if (from === null) throw new Error(`platform ${platformId} has no current ${kind} ${target} model`);
        let dest: number;
        if (to !== undefined) {
          const row = this.findVersion.get(platformId, to);
          if (!row) throw new Error(`platform ${platformId} has no model version ${to}`);
          if (row.model_kind !== kind || row.target !== target) {
            throw new Error(
              `version ${to} is a ${row.model_kind} ${row.target} model, not ${kind} ${target}`,
            );
          }
          dest = to;
        } else {
          const cur = this.findVersion.get(platformId, from)!;
          if (cur.parent_version === null) {
            throw new Error(`version ${from} (${kind} ${target}) has no parent to roll back to`);
          }
          dest = cur.parent_version;
        }
        const now = new Date().toISOString();
        this.upsertCurrent.run(platformId, kind, target, dest, now);
        this.insertMove.run(
          platformId,
          kind,
          target,
          from,
          dest,
          to === undefined ? 'rollback' : `rollback to ${to}`,
          now,
        );
        return { kind, target, fromVersion: from, toVersion: dest };
      })
      .immediate();
    this.changed(platformId);
    return move;
  }
}
