import {
  fitLayerModel,
  type LassoCvOptions,
  type LayerConfig,
  type ModelKind,
  serializeModel,
  type TrainingRow,
  trainingSetHash,
} from '@neuralpower/core';
import type { LayerRecord } from '@neuralpower/protocol';
import { TARGETS, type Target } from '../store/models.js';
import { openStore } from '../store/registry.js';
import { selectTrainingRows } from './training-set.js';

export interface FitJobInput {
  /** `Store.locator`: the job opens its own read-only store from it */
  readonly storeLocator: string;
  readonly platformId: string;
  readonly kind: string;
  readonly options: FitOptions;
  /** training-set hashes of the current versions; an unchanged set makes no new version */
  readonly currentHashes: Partial<Record<Target, string | null>>;
}

export interface FitOptions {
  /** fewest rows a target needs to be fitted (the fitter also needs 2 rows per fold) */
  readonly minRows?: number;
  readonly lasso?: LassoCvOptions;
}

export type TargetOutcome =
  | {
      readonly target: Target;
      readonly status: 'fitted';
      readonly modelJson: string;
      readonly report: unknown;
      readonly trainingRows: number;
      readonly trainingSetHash: string;
    }
  | { readonly target: Target; readonly status: 'skipped'; readonly reason: string };

export interface FitJobResult {
  readonly platformId: string;
  readonly kind: string;
  /** layer measurements of this kind the job read: the fit-every counter restarts from here */
  readonly measurements: number;
  readonly targets: readonly TargetOutcome[];
}

/**
 * Reads the platform's measurements of one kind (its own read-only store: SQLite's WAL lets it read
 * while the collector writes) and fits a runtime and a power model with the core. Pure apart from
 * the read; runs in a worker thread so ingest never waits for it.
 */
export async function runFitJob(input: FitJobInput): Promise<FitJobResult> {
  const store = await openStore(input.storeLocator, { readonly: true });
  let rows: Awaited<ReturnType<typeof store.fits.trainingRows>>;
  try {
    rows = await store.fits.trainingRows(input.platformId, input.kind);
  } finally {
    await store.close();
  }
  const configs: LayerConfig[] = rows.map((r) => {
    const rec = JSON.parse(r.record_json) as LayerRecord;
    return { spec: rec.spec, inputs: rec.inputs, batch: rec.batch };
  });
  const minRows = Math.max(4, input.options.minRows ?? 8);
  const targets = TARGETS.map((target): TargetOutcome => {
    const selection = selectTrainingRows(rows, target, minRows);
    const training: TrainingRow[] = selection.rows.map((r) => ({
      config: configs[r.index]!,
      value: r.value,
    }));
    if (training.length < minRows) {
      return {
        target,
        status: 'skipped',
        reason:
          target === 'power' && training.length === 0
            ? 'no measurement of this kind has power (power unavailable on this platform)'
            : `${training.length} measurements with a ${target}; at least ${minRows} are needed`,
      };
    }
    const hash = trainingSetHash(training);
    if (input.currentHashes[target] === hash) {
      return { target, status: 'skipped', reason: 'the training set is unchanged since the current version' };
    }
    // The fitter needs two rows per fold; small sets get fewer folds rather than no model.
    const folds = Math.max(2, Math.min(input.options.lasso?.folds ?? 10, Math.floor(training.length / 2)));
    const model = fitLayerModel(input.kind as ModelKind, target, training, { ...input.options.lasso, folds });
    const broken = nonFiniteField(model.report, serializeModel(model));
    if (broken !== null) {
      // Such a version would answer every prediction with NaN: never store it, say why.
      return {
        target,
        status: 'skipped',
        reason: `the fit is not usable: ${broken} is not finite; exclude the outlying measurements (neuralpower measurements exclude) and fit again`,
      };
    }
    return {
      target,
      status: 'fitted',
      modelJson: JSON.stringify(serializeModel(model)),
      // How the rows were chosen travels with the version (docs/measurement.md, "Fitting").
      report: {
        ...model.report,
        selection: { excludedImprecise: selection.excludedImprecise, keptImprecise: selection.keptImprecise },
      },
      trainingRows: training.length,
      trainingSetHash: hash,
    };
  });
  return { platformId: input.platformId, kind: input.kind, measurements: rows.length, targets };
}

/** The first cross-validated metric or model number that is NaN or infinite, or null. */
export function nonFiniteField(
  report: { rmspe: number; rmse: number; mape: number; lambda: number },
  model: { intercept: number; coefficients: readonly number[] },
): string | null {
  for (const name of ['rmspe', 'rmse', 'mape', 'lambda'] as const) {
    if (!Number.isFinite(report[name])) return `report.${name} (${report[name]})`;
  }
  if (!Number.isFinite(model.intercept)) return `intercept (${model.intercept})`;
  const i = model.coefficients.findIndex((c) => !Number.isFinite(c));
  return i < 0 ? null : `coefficients[${i}] (${model.coefficients[i]})`;
}
