import { MEASUREMENT_COLUMNS, type MeasurementColumns } from '../measurement-row.js';
import type { Sql } from './db.js';

/** The PostgreSQL type of each inserted `measurements` column (see migrations.ts). */
export const MEASUREMENT_COLUMN_TYPES = {
  platform_id: 'text',
  agent_id: 'text',
  seq: 'int8',
  idx: 'int4',
  type: 'text',
  model_kind: 'text',
  network_name: 'text',
  natural_key: 'text',
  batch: 'int4',
  runtime_mean_ms: 'float8',
  runtime_median_ms: 'float8',
  runtime_std_ms: 'float8',
  runtime_n: 'int4',
  power_mean_w: 'float8',
  energy_mj: 'float8',
  started_at: 'text',
  ended_at: 'text',
  received_at: 'text',
  record_json: 'text',
  precision_clock: 'text',
  runtime_ci_low_ms: 'float8',
  runtime_ci_high_ms: 'float8',
  precision_target_rel: 'float8',
  precision_target_reached: 'int4',
  precision_blocks: 'int4',
  precision_runs_per_block: 'int4',
  precision_outlier_blocks: 'int4',
  sync_overhead_ms: 'float8',
  revisit_drift_rel: 'float8',
  revisit_across_processes: 'int4',
} as const satisfies Record<keyof MeasurementColumns, 'text' | 'int4' | 'int8' | 'float8'>;

/**
 * One statement for any number of rows: each column travels as one array parameter and `unnest`
 * zips them back into rows, so the statement text (and its server-side plan) never changes with
 * the batch size.
 */
const INSERT_SQL = `INSERT INTO measurements (${MEASUREMENT_COLUMNS.join(', ')})
  SELECT * FROM unnest(${MEASUREMENT_COLUMNS.map((c, i) => `$${i + 1}::${MEASUREMENT_COLUMN_TYPES[c]}[]`).join(', ')})`;

export async function insertMeasurements(sql: Sql, rows: readonly MeasurementColumns[]): Promise<void> {
  if (rows.length === 0) return;
  await sql.run(
    INSERT_SQL,
    MEASUREMENT_COLUMNS.map((c) => rows.map((r) => r[c])),
  );
}
