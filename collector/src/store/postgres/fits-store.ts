import { BOUNDS } from '@neuralpower/protocol';
import type { FitRepository, FitState, KindMeasurementCount, TrainingSourceRow } from '../fits.js';
import type { PgDb } from './db.js';
import { FIT_LOCK } from './locks.js';

/** What fits read, and the fit lock every replica honours. */
export class PgFitStore implements FitRepository {
  constructor(private readonly db: PgDb) {}

  layerCounts(): Promise<KindMeasurementCount[]> {
    return this.db.rows<KindMeasurementCount>(
      `SELECT platform_id AS "platformId", model_kind AS kind, COUNT(*) AS measurements FROM measurements
       WHERE type = 'layer' GROUP BY platform_id, model_kind`,
    );
  }

  fitStates(): Promise<FitState[]> {
    return this.db.rows<FitState>(
      `SELECT platform_id AS "platformId", model_kind AS kind, measurements_at_fit AS "measurementsAtFit" FROM fit_state`,
    );
  }

  trainingRows(platformId: string, kind: string): Promise<TrainingSourceRow[]> {
    // As in SQLite: excluded rows are out, and so are values outside the plausible ranges.
    return this.db.rows<TrainingSourceRow>(
      `SELECT record_json, runtime_mean_ms, runtime_median_ms, power_mean_w, precision_target_reached,
         runtime_ci_low_ms, runtime_ci_high_ms, precision_target_rel FROM measurements
       WHERE platform_id = $1 AND type = 'layer' AND model_kind = $2 AND excluded_at IS NULL
         AND runtime_mean_ms BETWEEN ${BOUNDS.runtimeMs.min} AND ${BOUNDS.runtimeMs.max}
         AND (power_mean_w IS NULL OR power_mean_w BETWEEN ${BOUNDS.powerW.min} AND ${BOUNDS.powerW.max})
       ORDER BY id`,
      [platformId, kind],
    );
  }

  proposalRows(
    platformId: string,
    kind: string,
  ): Promise<{ record_json: string; runtime_mean_ms: number }[]> {
    return this.db.rows<{ record_json: string; runtime_mean_ms: number }>(
      `SELECT record_json, runtime_mean_ms FROM measurements
       WHERE platform_id = $1 AND type = 'layer' AND model_kind = $2 ORDER BY id`,
      [platformId, kind],
    );
  }

  /**
   * A session advisory lock held on a connection of its own for the whole fit (seconds, in a
   * worker): a replica that wants the same (platform, kind) waits for it. If the connection dies
   * the server drops the lock; version numbers stay safe regardless (models-store.ts).
   */
  withFitLock<T>(platformId: string, kind: string, fn: () => Promise<T>): Promise<T> {
    // JSON: unambiguous, and free of the NUL byte PostgreSQL text cannot hold.
    return this.db.withSessionLock(FIT_LOCK, JSON.stringify([platformId, kind]), fn);
  }
}
