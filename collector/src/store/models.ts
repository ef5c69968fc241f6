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

/** What one finished fit job stores: its new versions (maybe none) and the fit-every counter. */
export interface FitRecord {
  readonly platformId: string;
  readonly kind: string;
  /** layer measurements of the kind the job read: `fit_state.measurements_at_fit` */
  readonly measurementsAtFit: number;
  readonly versions: readonly NewModelVersion[];
  /** pointer_moves.reason, e.g. `fit: requested` */
  readonly reason: string;
}

/** Something moved a current pointer of a platform (new versions or a rollback). */
export interface ModelVersionChange {
  /** null: any platform may have changed (e.g. notifications were missed while reconnecting) */
  readonly platformId: string | null;
}

/**
 * Model versions (tables `model_versions`, `current_models`, `pointer_moves`, `fit_state`).
 * Versions are immutable rows; version numbers count up per platform across all kinds and
 * targets, so "version V" also names a snapshot: for each (kind, target) the newest version ≤ V.
 * Numbers are allocated by the store inside the writing transaction (MAX + 1 under a lock that
 * serialises writers of the platform; UNIQUE (platform_id, version) is the backstop) — never in
 * process memory, so replicas never hand out the same number and numbers strictly increase.
 * Every write that moves a pointer notifies `Store.onModelVersionChange` after it commits.
 */
export interface ModelRepository {
  /** (kind, target, version) the current pointers name, by kind then target; no model text. */
  currentPointers(platformId: string): Promise<VersionPointer[]>;
  /** (kind, target, version) of the snapshot at `version`, by kind then target. */
  snapshotPointers(platformId: string, version: number): Promise<VersionPointer[]>;
  modelJson(platformId: string, version: number): Promise<string | null>;
  /** Every version number of the platform, ascending. */
  versionNumbers(platformId: string): Promise<number[]>;
  /**
   * Stores new versions (e.g. runtime and power of one kind) and moves their pointers (parent =
   * the pointer before), atomically. Rejects, storing nothing, when a report's rmspe, rmse or mape
   * is not a finite number (`unstorableReport`).
   */
  addVersions(versions: readonly NewModelVersion[], reason: string): Promise<ModelVersionSummary[]>;
  /** `addVersions` plus the upsert of `fit_state`, in one transaction. */
  recordFit(fit: FitRecord): Promise<ModelVersionSummary[]>;
  /** Every version of the platform, ascending. */
  list(platformId: string): Promise<ModelVersionSummary[]>;
  get(platformId: string, version: number): Promise<ModelVersionFull | null>;
  /** The models the current pointers name, by kind then target. */
  current(platformId: string): Promise<ModelVersionFull[]>;
  currentTrainingHash(platformId: string, kind: string, target: Target): Promise<string | null>;
  /**
   * Moves the (kind, target) pointer back: to `to` if given (an existing version of that kind and
   * target), else to the current version's parent. Rejects with a message naming the problem
   * (no current model, no such version, wrong kind/target, no parent).
   */
  rollback(platformId: string, kind: string, target: Target, to?: number): Promise<PointerMove>;
}

/**
 * The first cross-validated metric a version's report lacks as a finite number, or null. Every
 * store refuses such a version (a NaN answers every predict with NaN).
 */
export function unstorableReport(report: unknown): string | null {
  const r = (typeof report === 'object' && report !== null ? report : {}) as Record<string, unknown>;
  for (const name of ['rmspe', 'rmse', 'mape']) {
    const v = r[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) return name;
  }
  return null;
}

/** Throws the refusal every store gives for a version `unstorableReport` rejects. */
export function assertStorable(versions: readonly NewModelVersion[]): void {
  for (const v of versions) {
    const unusable = unstorableReport(v.report);
    if (unusable !== null) {
      throw new Error(
        `refusing to store ${v.kind}/${v.target} for ${v.platformId}: its report.${unusable} is not finite`,
      );
    }
  }
}

/** A `model_versions` row joined to its pointer, as both stores read it (`current`: 0/1 or boolean). */
export interface VersionRow {
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
  current: number | boolean;
}

/** The columns of a `VersionRow` (`v` = model_versions, `c` = current_models). */
export const VERSION_SUMMARY_COLUMNS = `v.platform_id, v.model_kind, v.target, v.version, v.parent_version, v.created_at,
  v.training_rows, v.training_set_hash, v.report_json,
  (c.version IS NOT NULL AND c.version = v.version) AS current`;

/** Every version with its pointer: `SELECT ${VERSION_SUMMARY_COLUMNS} ${VERSION_JOIN} WHERE …`. */
export const VERSION_JOIN = `FROM model_versions v LEFT JOIN current_models c
  ON c.platform_id = v.platform_id AND c.model_kind = v.model_kind AND c.target = v.target`;

export function versionSummary(row: VersionRow): ModelVersionSummary {
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
    current: row.current === true || row.current === 1,
  };
}

/** A row read with `v.model_json`. */
export const versionFull = (row: VersionRow): ModelVersionFull => ({
  ...versionSummary(row),
  modelJson: row.model_json!,
});
