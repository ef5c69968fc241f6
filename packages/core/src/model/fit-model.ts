import { TARGET_UNITS, type Target } from '../features/kind.js';
import { candidateTerms, compileTerms, isTarget, kindFeatures } from '../features/registry.js';
import { TermError } from '../features/terms.js';
import { fitLassoCv, type LassoCvOptions } from '../fit/index.js';
import { describeLayer, type ModelKind, modelKindOf } from '../layers/describe.js';
import { LayerSpecError } from '../layers/errors.js';
import { canonicalJson } from './canonical-json.js';
import { distinctColumns } from './distinct-columns.js';
import { makeLayerModel } from './layer-model.js';
import { sha256Hex } from './sha256.js';
import {
  type LayerModel,
  MODEL_FORMAT,
  ModelError,
  type TrainingRow,
  type TrainingSummary,
  type ValueRange,
} from './types.js';

export interface LayerModelOptions extends LassoCvOptions {
  /** Candidate terms; default the kind's set for the target (docs/models.md). */
  readonly terms?: readonly string[];
}

/** `sha256:<hex>` of the rows in order: the identity of a training set, independent of key order. */
export function trainingSetHash(rows: readonly TrainingRow[]): string {
  const canonical = canonicalJson(
    rows.map((r) => ({
      spec: r.config.spec,
      inputs: r.config.inputs,
      batch: r.config.batch,
      value: r.value,
    })),
  );
  return `sha256:${sha256Hex(canonical)}`;
}

function range(values: readonly number[]): ValueRange {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * Fits one (kind, target) model: describes every row's layer, evaluates the candidate terms and runs
 * the Lasso-CV fitter. Rows of another kind, invalid layers and non-finite terms fail naming the row.
 */
export function fitLayerModel(
  kind: ModelKind,
  target: Target,
  rows: readonly TrainingRow[],
  options: LayerModelOptions = {},
): LayerModel {
  const def = kindFeatures(kind);
  if (!isTarget(target)) {
    throw new ModelError('target', `must be runtime or power (got ${JSON.stringify(target)})`);
  }
  if (!Array.isArray(rows) || rows.length === 0) throw new ModelError('rows', 'no training rows');
  const { terms: termNames = candidateTerms(kind, target), ...fitOptions } = options;
  let terms: ReturnType<typeof compileTerms>;
  try {
    terms = compileTerms(kind, termNames);
  } catch (err) {
    if (err instanceof TermError) throw new ModelError(`terms[${termNames.indexOf(err.term)}]`, err.message);
    throw err;
  }

  const rawRows: number[][] = [];
  const X: number[][] = [];
  const y: number[] = [];
  rows.forEach((row, i) => {
    try {
      const layer = describeLayer(row.config);
      const rowKind = modelKindOf(layer.spec);
      if (rowKind !== kind) {
        throw new ModelError(`rows[${i}].spec.kind`, `is a ${rowKind ?? layer.spec.kind} layer, not ${kind}`);
      }
      const raw = terms.raw(layer);
      rawRows.push(raw);
      X.push(terms.row(raw));
      y.push(row.value);
    } catch (err) {
      if (err instanceof LayerSpecError || err instanceof TermError) {
        throw new ModelError(`rows[${i}]`, err.message);
      }
      throw err;
    }
  });

  // Aliased and constant columns are left out of the fit (coefficient 0); see distinct-columns.ts.
  const kept = distinctColumns(X, terms.names.length);
  const offered = kept.length > 0 ? kept : [0];
  const fit = fitLassoCv(
    X.map((row) => offered.map((j) => row[j]!)),
    y,
    fitOptions,
  );
  const coefficients = new Array<number>(terms.names.length).fill(0);
  offered.forEach((j, k) => {
    coefficients[j] = fit.coefficients[k]!;
  });
  const training: TrainingSummary = {
    n: rows.length,
    features: Object.fromEntries(def.rawFeatures.map((name, j) => [name, range(rawRows.map((r) => r[j]!))])),
    target: range(y),
    distinctTerms: kept.length,
    hash: trainingSetHash(rows),
  };
  return makeLayerModel({
    format: MODEL_FORMAT,
    kind,
    target,
    unit: TARGET_UNITS[target],
    terms: terms.names,
    coefficients,
    intercept: fit.intercept,
    objective: fit.report.objective,
    lambda: fit.report.lambda,
    // The candidate count is the whole term list; `training.distinctTerms` says how many the fitter saw.
    report: { ...fit.report, candidateTerms: terms.names.length },
    training,
  });
}
