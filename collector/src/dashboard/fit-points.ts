import { type KindModel, type LayerConfig, type ModelFamily, parseKindModel } from '@neuralpower/core';
import { type LayerRecord, reportedRuntimeMs } from '@neuralpower/protocol';
import { NETWORK_CORRECTION_KIND } from '../fit/network-correction-job.js';
import type { ModelRepository, Target } from '../store/models.js';
import type { LayerPointRow, QueryRepository } from '../store/queries.js';

export interface FitPoint {
  readonly measurementId: number;
  /** what the model was trained on: the reported runtime (ms: median when block-timed, else mean) or mean power (W) */
  readonly measured: number;
  readonly predicted: number;
}

export interface FitSeries {
  readonly kind: string;
  readonly target: Target;
  readonly unit: 'ms' | 'W';
  /** polynomial (the paper's) or saturating (power from the work rate: here the measured runtime) */
  readonly family: ModelFamily;
  readonly version: number;
  /** cross-validated RMSPE from the version's fit report (0..1), null if the report lacks it */
  readonly rmspe: number | null;
  readonly points: readonly FitPoint[];
}

export interface FitPointsResponse {
  readonly platform: string;
  readonly series: readonly FitSeries[];
}

/** At most this many points per chart: enough to see the fit, small enough for a browser. */
const MAX_POINTS = 2000;

/**
 * Predicted against measured for every layer measurement of each kind the platform has a current
 * model for: the data behind the dashboard's log-log scatters. Read-only over the collector's
 * store; measured values are the ones the fitter trains on (reported runtime, mean power).
 */
export class FitPoints {
  private readonly parsed = new Map<string, KindModel>();

  constructor(
    private readonly queries: QueryRepository,
    private readonly models: ModelRepository,
  ) {}

  async forPlatform(platformId: string): Promise<FitPointsResponse> {
    const series: FitSeries[] = [];
    const pointers = await this.models.currentPointers(platformId);
    const rowsByKind = new Map<string, LayerPointRow[]>();
    for (const pointer of pointers) {
      if (pointer.kind === NETWORK_CORRECTION_KIND) continue; // not a layer model: no scatter
      const model = await this.model(platformId, pointer.version);
      if (!model) continue;
      let rows = rowsByKind.get(pointer.kind);
      if (!rows) {
        rows = await this.queries.recentLayerRows(platformId, pointer.kind, MAX_POINTS);
        rowsByKind.set(pointer.kind, rows);
      }
      const points: FitPoint[] = [];
      for (const row of rows) {
        const record = JSON.parse(row.record_json) as LayerRecord;
        // The runtime the record reports (its median when block-timed): what the model was fitted to.
        const measured = pointer.target === 'runtime' ? reportedRuntimeMs(record) : row.power_mean_w;
        if (measured === null) continue;
        const config: LayerConfig = { spec: record.spec, inputs: record.inputs, batch: record.batch };
        const predicted =
          model.family === 'saturating'
            ? model.predict(config, reportedRuntimeMs(record))
            : model.predict(config);
        points.push({ measurementId: row.id, measured, predicted });
      }
      const rmspe = (model.report as { rmspe?: unknown }).rmspe;
      series.push({
        kind: pointer.kind,
        target: pointer.target,
        unit: model.unit,
        family: model.family,
        version: pointer.version,
        rmspe: typeof rmspe === 'number' ? rmspe : null,
        points,
      });
    }
    series.sort((a, b) => a.kind.localeCompare(b.kind) || a.target.localeCompare(b.target));
    return { platform: platformId, series };
  }

  /** Versions are immutable, so a parsed model is cached for good under (platform, version). */
  private async model(platformId: string, version: number): Promise<KindModel | null> {
    const key = `${platformId}#${version}`;
    const cached = this.parsed.get(key);
    if (cached) return cached;
    const text = await this.models.modelJson(platformId, version);
    if (text === null) return null;
    const model = parseKindModel(JSON.parse(text));
    if (this.parsed.size >= 500) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(key, model);
    return model;
  }
}
