import type { Target } from '../features/kind.js';
import { mulberry32 } from '../fit/prng.js';
import type { ModelKind } from '../layers/describe.js';
import type { LayerConfig } from '../layers/spec.js';
import { fitLayerModel, type LayerModelOptions } from '../model/fit-model.js';
import type { LayerModel, TrainingRow } from '../model/types.js';

export interface CommitteeOptions {
  /** Bootstrap models (default 5). */
  readonly members?: number;
  readonly seed?: number;
  /** Fitter options of each member; default a cheaper Lasso-CV (3 folds, 30 λ) than a stored model's. */
  readonly lasso?: LayerModelOptions;
}

export interface Committee {
  readonly members: readonly LayerModel[];
  /**
   * Per training row, the mean |log(predicted / measured)| of the members whose resample left the row
   * out (out-of-bag): an honest estimate of the model's relative error there, bias included. NaN for a
   * row every member saw.
   */
  readonly outOfBagLogError: readonly number[];
}

/**
 * A committee of models fitted on bootstrap resamples of the training rows: where they disagree the
 * model is unsure. Bootstrap members (rather than the CV fold models, which the fitter does not keep)
 * see every region of the data with different weights, so their spread tracks both sparse regions
 * and noisy ones; the rows each member left out score where the model is wrong. Members whose
 * resample cannot be fitted are left out.
 */
export function fitCommittee(
  kind: ModelKind,
  target: Target,
  rows: readonly TrainingRow[],
  options: CommitteeOptions = {},
): Committee {
  const count = options.members ?? 5;
  const rand = mulberry32(options.seed ?? 1);
  const folds = Math.max(2, Math.min(3, Math.floor(rows.length / 2)));
  const lasso: LayerModelOptions = { folds, nLambdas: 30, ...options.lasso };
  const members: LayerModel[] = [];
  const errorSum = new Array<number>(rows.length).fill(0);
  const errorCount = new Array<number>(rows.length).fill(0);
  for (let m = 0; m < count; m++) {
    const picked = new Uint8Array(rows.length);
    const sample: TrainingRow[] = [];
    for (let i = 0; i < rows.length; i++) {
      const at = Math.floor(rand() * rows.length);
      picked[at] = 1;
      sample.push(rows[at]!);
    }
    let model: LayerModel;
    try {
      model = fitLayerModel(kind, target, sample, { ...lasso, seed: m + 1 });
    } catch {
      // A resample with too few distinct rows for the folds: one member fewer.
      continue;
    }
    members.push(model);
    rows.forEach((row, i) => {
      if (picked[i] === 1) return;
      errorSum[i]! += logError(model.predict(row.config), row.value);
      errorCount[i]! += 1;
    });
  }
  return {
    members,
    outOfBagLogError: errorSum.map((s, i) => (errorCount[i]! > 0 ? s / errorCount[i]! : Number.NaN)),
  };
}

/** |log(predicted / measured)|; a non-positive or non-finite prediction counts as off by 10×. */
function logError(predicted: number, measured: number): number {
  if (!(predicted > 0) || !Number.isFinite(predicted)) return Math.log(10);
  return Math.abs(Math.log(predicted / measured));
}

/**
 * Disagreement of the committee on each candidate: the standard deviation of the members' log
 * predictions (≈ their relative spread, the scale RMSPE is measured on). Non-positive predictions
 * count as a tenth of the smallest positive one, so a member predicting nonsense reads as unsure.
 */
export function committeeDisagreement(
  models: readonly LayerModel[],
  candidates: readonly LayerConfig[],
): number[] {
  return candidates.map((config) => {
    const preds = models.map((m) => m.predict(config));
    const positive = preds.filter((p) => p > 0 && Number.isFinite(p));
    const floor = positive.length > 0 ? Math.min(...positive) / 10 : 1e-6;
    return logSpread(preds.map((p) => (p > 0 && Number.isFinite(p) ? p : floor)));
  });
}

function logSpread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const logs = values.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const variance = logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1);
  return Math.sqrt(variance);
}
