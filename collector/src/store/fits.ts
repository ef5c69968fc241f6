/** The columns of a stored layer measurement a fit reads (see fit/training-set.ts). */
export interface TrainingSourceRow {
  readonly record_json: string;
  readonly runtime_mean_ms: number;
  readonly runtime_median_ms: number;
  readonly power_mean_w: number | null;
  /** 1 / 0 from the block protocol; null for a record timed run by run (no interval) */
  readonly precision_target_reached: number | null;
  /** the median's interval and the target it was measured to (null when timed run by run): the row's weight */
  readonly runtime_ci_low_ms: number | null;
  readonly runtime_ci_high_ms: number | null;
  readonly precision_target_rel: number | null;
}

export interface KindMeasurementCount {
  readonly platformId: string;
  readonly kind: string;
  /** layer measurements of (platform, kind), excluded ones included */
  readonly measurements: number;
}

export interface FitState {
  readonly platformId: string;
  readonly kind: string;
  readonly measurementsAtFit: number;
}

/** What the fit scheduler, the fit worker and the campaign proposal worker read. */
export interface FitRepository {
  /** Layer measurement counts per (platform, kind): where --fit-every counts from after a start. */
  layerCounts(): Promise<KindMeasurementCount[]>;
  /** `fit_state`: measurement count of each (platform, kind) at its last fit. */
  fitStates(): Promise<FitState[]>;
  /**
   * The rows a fit trains on, by id: layer rows of (platform, kind), not excluded, runtime_mean_ms
   * within BOUNDS.runtimeMs and power_mean_w NULL or within BOUNDS.powerW.
   */
  trainingRows(platformId: string, kind: string): Promise<TrainingSourceRow[]>;
  /** Every layer row of (platform, kind) with its mean runtime, by id (excluded ones included). */
  proposalRows(platformId: string, kind: string): Promise<{ record_json: string; runtime_mean_ms: number }[]>;
  /**
   * Runs `fn` while holding the fit lock of (platform, kind): one fit of it at a time across every
   * process on this database (PostgreSQL: an advisory lock; SQLite: one collector per file, so an
   * in-process lock). Resolves to what `fn` resolves to; the lock is released either way.
   */
  withFitLock<T>(platformId: string, kind: string, fn: () => Promise<T>): Promise<T>;
}
