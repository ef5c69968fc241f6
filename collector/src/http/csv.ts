import type { LayerRecord, MeasurementRecord } from '@neuralpower/protocol';
import type { MeasurementRow } from '../store/queries.js';

/** Columns of `GET /v1/measurements.csv`, one row per stored record (specs and shapes as JSON). */
export const CSV_COLUMNS = [
  'id',
  'platform',
  'agent',
  'seq',
  'type',
  'kind',
  'network',
  'batch',
  'spec_json',
  'inputs_json',
  'runtime_mean_ms',
  'runtime_median_ms',
  'runtime_std_ms',
  'runtime_n',
  'power_mean_w',
  'power_samples',
  'power_window_ms',
  'power_source',
  'energy_mj',
  'started_at',
  'ended_at',
  'received_at',
] as const;

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

export function csvRow(row: MeasurementRow): string {
  const record = JSON.parse(row.record_json) as MeasurementRecord;
  const power = record.power === 'unavailable' ? null : record.power;
  const layer = record.type === 'layer' ? (record as LayerRecord) : null;
  return `${[
    row.id,
    row.platform_id,
    row.agent_id,
    row.seq,
    row.type,
    row.model_kind,
    row.network_name,
    row.batch,
    layer ? JSON.stringify(layer.spec) : null,
    layer ? JSON.stringify(layer.inputs) : null,
    row.runtime_mean_ms,
    row.runtime_median_ms,
    row.runtime_std_ms,
    row.runtime_n,
    row.power_mean_w,
    power?.samples,
    power?.windowMs,
    power?.source,
    row.energy_mj,
    row.started_at,
    row.ended_at,
    row.received_at,
  ]
    .map(cell)
    .join(',')}\n`;
}
