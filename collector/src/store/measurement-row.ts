import { modelKindOf } from '@neuralpower/core';
import { type MeasurementRecord, type Precision, recordKey } from '@neuralpower/protocol';

/**
 * The `measurements` columns of one record, as every store writes them (migrations 1, 3, 4 and 6;
 * `id` and `excluded_at` are the store's). Booleans are 0/1 like SQLite's; times are canonical
 * UTC ISO text so time filters compare as text. These are migration 1's, what every export reads;
 * `MeasurementColumns` adds the precision columns of migrations 4 and 6.
 */
export interface MeasurementBaseColumns {
  readonly platform_id: string;
  readonly agent_id: string;
  readonly seq: number;
  readonly idx: number;
  readonly type: 'layer' | 'network';
  readonly model_kind: string | null;
  readonly network_name: string | null;
  readonly natural_key: string;
  readonly batch: number;
  readonly runtime_mean_ms: number;
  readonly runtime_median_ms: number;
  readonly runtime_std_ms: number;
  readonly runtime_n: number;
  readonly power_mean_w: number | null;
  readonly energy_mj: number | null;
  readonly started_at: string;
  readonly ended_at: string;
  readonly received_at: string;
  readonly record_json: string;
}

/** Every column a store inserts. */
export interface MeasurementColumns extends MeasurementBaseColumns {
  readonly precision_clock: string | null;
  readonly runtime_ci_low_ms: number | null;
  readonly runtime_ci_high_ms: number | null;
  readonly precision_target_rel: number | null;
  readonly precision_target_reached: number | null;
  readonly precision_blocks: number | null;
  readonly precision_runs_per_block: number | null;
  readonly precision_outlier_blocks: number | null;
  readonly sync_overhead_ms: number | null;
  readonly revisit_drift_rel: number | null;
  /** migration 6: 1 when the revisit was of a configuration an earlier agent process measured, 0 within one run */
  readonly revisit_across_processes: number | null;
}

/** Column names in insert order. */
export const MEASUREMENT_COLUMNS = [
  'platform_id',
  'agent_id',
  'seq',
  'idx',
  'type',
  'model_kind',
  'network_name',
  'natural_key',
  'batch',
  'runtime_mean_ms',
  'runtime_median_ms',
  'runtime_std_ms',
  'runtime_n',
  'power_mean_w',
  'energy_mj',
  'started_at',
  'ended_at',
  'received_at',
  'record_json',
  'precision_clock',
  'runtime_ci_low_ms',
  'runtime_ci_high_ms',
  'precision_target_rel',
  'precision_target_reached',
  'precision_blocks',
  'precision_runs_per_block',
  'precision_outlier_blocks',
  'sync_overhead_ms',
  'revisit_drift_rel',
  'revisit_across_processes',
] as const satisfies readonly (keyof MeasurementColumns)[];

export function measurementColumns(
  record: MeasurementRecord,
  agentId: string,
  seq: number,
  idx: number,
  receivedAt: string,
): MeasurementColumns {
  const p: Precision | undefined = record.precision;
  return {
    platform_id: record.platform,
    agent_id: agentId,
    seq,
    idx,
    type: record.type,
    model_kind: record.type === 'layer' ? modelKindOf(record.spec) : null,
    network_name: record.type === 'network' ? record.network.name : null,
    natural_key: recordKey(record),
    batch: record.batch,
    runtime_mean_ms: record.runtime.meanMs,
    runtime_median_ms: record.runtime.medianMs,
    runtime_std_ms: record.runtime.stdMs,
    runtime_n: record.runtime.n,
    power_mean_w: record.power === 'unavailable' ? null : record.power.meanW,
    energy_mj: record.energyMj,
    started_at: utcIso(record.startedAt),
    ended_at: utcIso(record.endedAt),
    received_at: receivedAt,
    record_json: JSON.stringify(record),
    // The block protocol's figures (all NULL for records timed run by run).
    precision_clock: p?.clock ?? null,
    runtime_ci_low_ms: p?.ciLowMs ?? null,
    runtime_ci_high_ms: p?.ciHighMs ?? null,
    precision_target_rel: p?.targetRel ?? null,
    precision_target_reached: p ? (p.targetReached ? 1 : 0) : null,
    precision_blocks: p?.blocks ?? null,
    precision_runs_per_block: p?.runsPerBlock ?? null,
    precision_outlier_blocks: p?.outlierBlocks ?? null,
    sync_overhead_ms: p?.syncOverheadMs ?? null,
    revisit_drift_rel: p?.revisit?.driftRel ?? null,
    revisit_across_processes: p?.revisit ? (p.revisit.acrossProcesses ? 1 : 0) : null,
  };
}

/** Agents send `Date#toISOString()` text; anything else (offsets, other precision) is normalised. */
const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
function utcIso(text: string): string {
  return CANONICAL_ISO.test(text) ? text : new Date(text).toISOString();
}
