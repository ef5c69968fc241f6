import type { Db } from './open.js';

export type Target = 'runtime' | 'power';
export const TARGETS: readonly Target[] = ['runtime', 'power'];

export interface ModelVersionSummary {
  readonly platformId: string;
  readonly kind: string;
  readonly target: Target;
  readonly version: number;
  readonly parentVersion: number | null;
  readonly createdAt: string;
  readonly trainingRows: number;
  readonly trainingSetHash: string;
  /** the fit report as the core produced it (cross-validated metrics, terms, λ) */
  readonly report: unknown;
  readonly current: boolean;
}

export interface ModelVersionFull extends ModelVersionSummary {
  /** the serialized model (`neuralpower.model/2` text, `/1` for versions stored before) */
  readonly modelJson: string;
}

interface VersionRow {
  platform_id: string;
  model_kind: string;
  target: Target;
  version: number;
  parent_version: number | null;
  created_at: string;
  training_rows: number;
  training_set_hash: string;
  report_json: string;
  model_json?: string;
  current: number;
}

export interface NewModelVersion {
  readonly platformId: string;
  readonly kind: string;
  readonly target: Target;
  readonly trainingRows: number;
  readonly trainingSetHash: string;
  readonly report: unknown;
  readonly modelJson: string;
}

export interface VersionPointer {
  readonly kind: string;
  readonly target: Target;
  readonly version: number;
}

export interface PointerMove {
  readonly kind: string;
  readonly target: Target;
  readonly fromVersion: number | null;
  readonly toVersion: number;
}

const SUMMARY_COLUMNS = `v.platform_id, v.model_kind, v.target, v.version, v.parent_version, v.created_at,
  v.training_rows, v.training_set_hash, v.report_json,
  (c.version IS NOT NULL AND c.version = v.version) AS current`;

function summary(row: VersionRow): ModelVersionSummary {
  return {
    platformId: row.platform_id,
    kind: row.model_kind,
    target: row.target,
    version: row.version,
    parentVersion: row.parent_version,
    createdAt: row.created_at,
    trainingRows: row.training_rows,
    trainingSetHash: row.training_set_hash,
    report: JSON.parse(row.report_json),
    current: row.current === 1,
  };
}

/**
 * Model versions are immutable rows; version numbers count up per platform across all kinds and
 * targets, so "version V" also names a snapshot: for each (kind, target) the newest version ≤ V.
 * `current_models` is the only mutable part: one pointer per (platform, kind, target).
 */
export class ModelStore {
  private readonly maxVersion;
  private readonly currentOf;
  private readonly insertVersion;
  private readonly upsertCurrent;
  private readonly insertMove;
  private readonly listStmt;
  private readonly oneStmt;
  private readonly currentStmt;
  private readonly snapshotStmt;
  private readonly findVersion;
  private readonly trainingHashOfCurrent;
  private readonly currentPointersStmt;
  private readonly snapshotPointersStmt;
  private readonly modelJsonStmt;
  private readonly versionNumbersStmt;

  constructor(private readonly db: Db) {
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
    const join = `FROM model_versions v LEFT JOIN current_models c
      ON c.platform_id = v.platform_id AND c.model_kind = v.model_kind AND c.target = v.target`;
    this.listStmt = db.prepare<[string], VersionRow>(
      `SELECT ${SUMMARY_COLUMNS} ${join} WHERE v.platform_id = ? ORDER BY v.version`,
    );
    this.oneStmt = db.prepare<[string, number], VersionRow>(
      `SELECT ${SUMMARY_COLUMNS}, v.model_json ${join} WHERE v.platform_id = ? AND v.version = ?`,
    );
    this.currentStmt = db.prepare<[string], VersionRow>(
      `SELECT ${SUMMARY_COLUMNS}, v.model_json FROM current_models c JOIN model_versions v
        ON v.platform_id = c.platform_id AND v.version = c.version WHERE c.platform_id = ? ORDER BY v.model_kind, v.target`,
    );
    this.snapshotStmt = db.prepare<[string, number], VersionRow>(`
      SELECT ${SUMMARY_COLUMNS}, v.model_json ${join}
      WHERE v.platform_id = ?1 AND v.version = (
        SELECT MAX(w.version) FROM model_versions w
        WHERE w.platform_id = v.platform_id AND w.model_kind = v.model_kind AND w.target = v.target AND w.version <= ?2)
      ORDER BY v.model_kind, v.target`);
    this.findVersion = db.prepare<[string, number], VersionRow>(
      `SELECT ${SUMMARY_COLUMNS} ${join} WHERE v.platform_id = ? AND v.version = ?`,
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
  currentPointers(platformId: string): VersionPointer[] {
    return this.currentPointersStmt.all(platformId);
  }

  /** (kind, target, version) of the snapshot at `version`. */
  snapshotPointers(platformId: string, version: number): VersionPointer[] {
    return this.snapshotPointersStmt.all(platformId, version);
  }

  modelJson(platformId: string, version: number): string | null {
    return (this.modelJsonStmt.get(platformId, version) as string | undefined) ?? null;
  }

  versionNumbers(platformId: string): number[] {
    return this.versionNumbersStmt.all(platformId) as number[];
  }

  /** Stores new versions (e.g. runtime and power of one kind) and moves their pointers, atomically. */
  addVersions(versions: readonly NewModelVersion[], reason: string): ModelVersionSummary[] {
    return this.db
      .transaction(() => {
        const now = new Date().toISOString();
        let next = ((this.maxVersion.get(versions[0]?.platformId ?? '') as number | null) ?? 0) + 1;
        const out: ModelVersionSummary[] = [];
        for (const v of versions) {
          const unusable = nonFiniteMetric(v.report);
          if (unusable !== null) {
            throw new Error(
              `refusing to store ${v.kind}/${v.target} for ${v.platformId}: its report.${unusable} is not finite`,
            );
          }
          const parent = (this.currentOf.get(v.platformId, v.kind, v.target) as number | undefined) ?? null;
          const version = next++;
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
      })
      .immediate();
  }

  list(platformId: string): ModelVersionSummary[] {
    return this.listStmt.all(platformId).map(summary);
  }

  get(platformId: string, version: number): ModelVersionFull | null {
    const row = this.oneStmt.get(platformId, version);
    return row ? { ...summary(row), modelJson: row.model_json! } : null;
  }

  /** The models the current pointers name. */
  current(platformId: string): ModelVersionFull[] {
    return this.currentStmt.all(platformId).map((row) => ({ ...summary(row), modelJson: row.model_json! }));
  }

  /** For each (kind, target) the newest version ≤ `version`. */
  snapshot(platformId: string, version: number): ModelVersionFull[] {
    return this.snapshotStmt
      .all(platformId, version)
      .map((row) => ({ ...summary(row), modelJson: row.model_json! }));
  }

  currentTrainingHash(platformId: string, kind: string, target: Target): string | null {
    return (this.trainingHashOfCurrent.get(platformId, kind, target) as string | undefined) ?? null;
  }

  /**
   * Moves the (kind, target) pointer back: to `to` if given (any existing version of that kind and
   * target), else to the current version's parent.
   */
  rollback(platformId: string, kind: string, target: Target, to?: number): PointerMove {
    return this.db
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
  }
}

/** Cross-validated metrics every stored version must have as finite numbers (a NaN answers every predict with NaN). */
function nonFiniteMetric(report: unknown): string | null {
  const r = (typeof report === 'object' && report !== null ? report : {}) as Record<string, unknown>;
  for (const name of ['rmspe', 'rmse', 'mape']) {
    const v = r[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) return name;
  }
  return null;
}
