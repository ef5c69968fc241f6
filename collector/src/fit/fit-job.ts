import {
  fitLayerModelDetailed,
  fitPowerFamily,
  type KindModel,
  type KindModelJson,
  type LassoCvOptions,
  type LayerConfig,
  type ModelKind,
  medianIdleW,
  type PlatformPower,
  type PowerFamilyChoice,
  type PowerFamilyMode,
  serializeKindModel,
  type TrainingRow,
  trainingSetHash,
} from '@neuralpower/core';
import type { LayerRecord } from '@neuralpower/protocol';
import { TARGETS, type Target } from '../store/models.js';
import { openStore } from '../store/registry.js';
import { selectTrainingRows, type TrainingSelection } from './training-set.js';

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
  /** power model family: `auto` (default) keeps the lower cross-validated error of the two */
  readonly powerFamily?: PowerFamilyMode;
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
  let platformInput: unknown;
  try {
    rows = await store.fits.trainingRows(input.platformId, input.kind);
    platformInput = (await store.queries.platform(input.platformId))?.input;
  } finally {
    await store.close();
  }
  const records = rows.map((r) => JSON.parse(r.record_json) as LayerRecord);
  const configs: LayerConfig[] = records.map((rec) => ({
    spec: rec.spec,
    inputs: rec.inputs,
    batch: rec.batch,
  }));
  const platformPower: PlatformPower = {
    idleW: medianIdleW(records.map((rec) => (rec.power === 'unavailable' ? undefined : rec.power.idleW))),
    limitW: powerLimitOf(platformInput),
  };
  // Runtime rows weigh by how precisely they were measured (training-set.ts); the fitter takes the weights.
  const trainingRowsOf = (selection: TrainingSelection): TrainingRow[] =>
    selection.rows.map((r) => ({
      config: configs[r.index]!,
      value: r.value,
      ...(r.weight === undefined ? {} : { weight: r.weight }),
    }));
  const minRows = Math.max(4, input.options.minRows ?? 8);
  const foldsFor = (n: number) => Math.max(2, Math.min(input.options.lasso?.folds ?? 10, Math.floor(n / 2)));
  // Out-of-fold runtime per record index (from this job's runtime fit, or one made for the power
  // choice when runtime was not refitted): the runtime a saturating power model is judged at.
  let runtimeOutOfFold: Map<number, number> | null = null;
  const runtimeFit = (training: readonly TrainingRow[], indices: readonly number[]) => {
    const fitted = fitLayerModelDetailed(input.kind as ModelKind, 'runtime', training, {
      ...input.options.lasso,
      folds: foldsFor(training.length),
    });
    runtimeOutOfFold = new Map(indices.map((index, i) => [index, fitted.outOfFold[i]!]));
    return fitted.model;
  };
  const predictedRuntimes = (indices: readonly number[]): (number | null)[] | undefined => {
    if (runtimeOutOfFold === null) {
      const selection = selectTrainingRows(rows, 'runtime');
      if (selection.rows.length < minRows) return undefined;
      runtimeFit(
        trainingRowsOf(selection),
        selection.rows.map((r) => r.index),
      );
    }
    return indices.map((index) => runtimeOutOfFold!.get(index) ?? null);
  };
  const targets = TARGETS.map((target): TargetOutcome => {
    const selection = selectTrainingRows(rows, target);
    const training = trainingRowsOf(selection);
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
    const lasso = { ...input.options.lasso, folds: foldsFor(training.length) };
    let model: KindModel;
    let powerFamily: PowerFamilyChoice | null = null;
    if (target === 'power') {
      // The work rate of a power reading is its record's runtime (the same statistic runtime fits use).
      const runtimeOf = (index: number) =>
        rows[index]!.precision_target_reached === null
          ? rows[index]!.runtime_mean_ms
          : rows[index]!.runtime_median_ms;
      const mode = input.options.powerFamily ?? 'auto';
      const fitted = fitPowerFamily(
        input.kind as ModelKind,
        selection.rows.map((r) => ({
          config: configs[r.index]!,
          powerW: r.value,
          runtimeMs: runtimeOf(r.index),
        })),
        {
          mode,
          lasso,
          platform: platformPower,
          predictedRuntimeMs:
            mode === 'polynomial' ? undefined : predictedRuntimes(selection.rows.map((r) => r.index)),
        },
      );
      model = fitted.model;
      powerFamily = fitted.choice;
    } else {
      model = runtimeFit(
        training,
        selection.rows.map((r) => r.index),
      );
    }
    const json = serializeKindModel(model);
    const broken = nonFiniteField(model.report, json);
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
      modelJson: JSON.stringify(json),
      // How the rows were weighted travels with the version (docs/measurement.md, "Fitting"); a power
      // version also says which family won and both cross-validated errors.
      report: {
        ...model.report,
        selection: selection.report,
        ...(powerFamily !== null && { powerFamily }),
      },
      trainingRows: training.length,
      trainingSetHash: hash,
    };
  });
  return { platformId: input.platformId, kind: input.kind, measurements: rows.length, targets };
}

/** The first cross-validated metric or model number that is NaN or infinite, or null. */
export function nonFiniteField(
  report: { rmspe: number; rmse: number; mape: number; lambda?: number },
  model: KindModelJson,
): string | null {
  for (const name of ['rmspe', 'rmse', 'mape', 'lambda'] as const) {
    const v = report[name];
    if (v !== undefined && !Number.isFinite(v)) return `report.${name} (${v})`;
  }
  const numbers: [string, number][] =
    model.family === 'saturating'
      ? (['idleW', 'limitW', 'busy', 'perMacPerMs', 'perBytePerMs'] as const).map((k) => [k, model[k]])
      : [
          ['intercept', model.intercept],
          ...model.coefficients.map((c, i): [string, number] => [`coefficients[${i}]`, c]),
        ];
  const bad = numbers.find(([, v]) => !Number.isFinite(v));
  return bad === undefined ? null : `${bad[0]} (${bad[1]})`;
}

/** The enforced board power limit of a GPU platform's fingerprint input; null for CPU or unknown. */
function powerLimitOf(input: unknown): number | null {
  const w = (input as { enforcedPowerLimitW?: unknown } | null | undefined)?.enforcedPowerLimitW;
  return typeof w === 'number' && Number.isFinite(w) && w > 0 ? w : null;
}
