import { BOUNDS } from '@neuralpower/protocol';
import type { FitRepository, FitState, KindMeasurementCount, TrainingSourceRow } from '../fits.js';
import { KeyedMutex } from '../keyed-mutex.js';
import type { Db } from './open.js';

/** What fits read from SQLite. One collector per file, so the fit lock is in-process. */
export class SqliteFitStore implements FitRepository {
  private readonly locks = new KeyedMutex();
  private readonly countsStmt;
  private readonly statesStmt;
  private readonly trainingStmt;
  private readonly proposalStmt;

  constructor(db: Db) {
    this.countsStmt = db.prepare<[], KindMeasurementCount>(
      `SELECT platform_id AS platformId, model_kind AS kind, COUNT(*) AS measurements FROM measurements
       WHERE type = 'layer' GROUP BY platform_id, model_kind`,
    );
    this.statesStmt = db.prepare<[], FitState>(
      'SELECT platform_id AS platformId, model_kind AS kind, measurements_at_fit AS measurementsAtFit FROM fit_state',
    );
    this.trainingStmt = db.prepare<[string, string], TrainingSourceRow>(
      // Excluded rows are out; so are values outside the plausible ranges, which the edge now
      // refuses but an older database may hold (one 1e-300 ms row made every fit fail).
      `SELECT record_json, runtime_mean_ms, runtime_median_ms, power_mean_w, precision_target_reached,
         runtime_ci_low_ms, runtime_ci_high_ms, precision_target_rel FROM measurements
       WHERE platform_id = ? AND type = 'layer' AND model_kind = ? AND excluded_at IS NULL
         AND runtime_mean_ms BETWEEN ${BOUNDS.runtimeMs.min} AND ${BOUNDS.runtimeMs.max}
         AND (power_mean_w IS NULL OR power_mean_w BETWEEN ${BOUNDS.powerW.min} AND ${BOUNDS.powerW.max})
       ORDER BY id`,
    );
    this.proposalStmt = db.prepare<[string, string], { record_json: string; runtime_mean_ms: number }>(
      `SELECT record_json, runtime_mean_ms FROM measurements
       WHERE platform_id = ? AND type = 'layer' AND model_kind = ? ORDER BY id`,
    );
  }

  async layerCounts(): Promise<KindMeasurementCount[]> {
    return this.countsStmt.all();
  }

  async fitStates(): Promise<FitState[]> {
    return this.statesStmt.all();
  }

  async trainingRows(platformId: string, kind: string): Promise<TrainingSourceRow[]> {
    return this.trainingStmt.all(platformId, kind);
  }

  async proposalRows(
    platformId: string,
    kind: string,
  ): Promise<{ record_json: string; runtime_mean_ms: number }[]> {
    return this.proposalStmt.all(platformId, kind);
  }

  withFitLock<T>(platformId: string, kind: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(`${platformId}\u0000${kind}`, fn);
  }
}
