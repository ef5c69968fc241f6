import { defaultTermSet, isTermSet, TERM_SETS, type TermSet, termSet } from '../features/extended.js';
import { TARGET_UNITS, type Target } from '../features/kind.js';
import { compileTerms, isTarget, kindFeatures } from '../features/registry.js';
import { TermError } from '../features/terms.js';
import type { LassoCvOptions } from '../fit/index.js';
import { fitLassoCvDetailed } from '../fit/lasso-cv.js';
import { describeLayer, type ModelKind, modelKindOf } from '../layers/describe.js';
import { LayerSpecError } from '../layers/errors.js';
import type { LayerConfig } from '../layers/spec.js';
import { canonicalJson } from './canonical-json.js';
import { distinctColumns } from './distinct-columns.js';
import { makeLayerModel } from './layer-model.js';
import { sha256Hex } from './sha256.js';
import {
  type LayerModel,
  MODEL_FORMAT,
  ModelError,
  type PredictionInterval,
  type TrainingRow,
  type TrainingSummary,
  type ValueRange,
} from './types.js';

export interface LayerModelOptions extends LassoCvOptions {
  /** Candidate terms; default the named `termSet`'s terms for the kind and target (docs/models.md). */
  readonly terms?: readonly string[];
  /** Named candidate set when `terms` is absent: `extended`, `padded` or `paper`; default per kind (defaultTermSet). */
  readonly termSet?: TermSet;
}

/**
 * `sha256:<hex>` of the rows in order (with their weights where given): the identity of a training
 * set, independent of key order.
 */
export function trainingSetHash(rows: readonly TrainingRow[]): string {
  const canonical = canonicalJson(
    rows.map((r) => ({
      spec: r.config.spec,
      inputs: r.config.inputs,
      batch: r.config.batch,
      value: r.value,
      // Present only on weighted rows, so the hash of an unweighted set is what it always was.
      ...(r.weight === undefined ? {} : { weight: r.weight }),
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
 * The fold groups a fit uses: rows of one layer shape share a fold (repeated measurements would
 * otherwise leak across the split), unless there are too few distinct shapes to fill the folds
 * (undefined: plain row folds). Every family fitted on the same rows, folds and seed gets the same
 * split, so their cross-validated errors compare.
 */
export function foldGroups(
  configs: readonly LayerConfig[],
  folds: number,
  groups?: readonly string[],
): readonly string[] | undefined {
  const keys = groups ?? configs.map((c) => canonicalJson([c.spec, c.inputs, c.batch]));
  return new Set(keys).size >= folds ? keys : undefined;
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
  return fitLayerModelDetailed(kind, target, rows, options).model;
}

/**
 * fitLayerModel, plus each row's out-of-fold prediction (by the fold model that did not see it, at
 * the chosen λ and objective): e.g. the runtime a saturating power model is scored at.
 */
export function fitLayerModelDetailed(
  kind: ModelKind,
  target: Target,
  rows: readonly TrainingRow[],
  options: LayerModelOptions = {},
): { model: LayerModel; outOfFold: Float64Array } {
  const def = kindFeatures(kind);
  if (!isTarget(target)) {
    throw new ModelError('target', `must be runtime or power (got ${JSON.stringify(target)})`);
  }
  if (!Array.isArray(rows) || rows.length === 0) throw new ModelError('rows', 'no training rows');
  const { termSet: setName = defaultTermSet(kind), ...rest } = options;
  if (!isTermSet(setName)) {
    throw new ModelError(
      'termSet',
      `must be one of ${TERM_SETS.join(', ')} (got ${JSON.stringify(setName)})`,
    );
  }
  const { terms: termNames = termSet(kind, target, setName), ...fitOptions } = rest;
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

  const groups = foldGroups(
    rows.map((r) => r.config),
    fitOptions.folds ?? 10,
    fitOptions.groups,
  );

  // Aliased and constant columns are left out of the fit (coefficient 0); see distinct-columns.ts.
  const kept = distinctColumns(X, terms.names.length);
  const offered = kept.length > 0 ? kept : [0];
  const { fit, objectives } = fitLassoCvDetailed(
    X.map((row) => offered.map((j) => row[j]!)),
    y,
    { ...fitOptions, groups, ...sampleWeightsOf(rows) },
  );
  const chosen = objectives.find((o) => o.objective === fit.report.objective)!;
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
  const model = makeLayerModel({
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
    interval: outOfFoldInterval(y, chosen.outOfFold, INTERVAL_LEVEL),
  });
  return { model, outOfFold: Float64Array.from(chosen.outOfFold) };
}

/** Row weights as the fitter's sample weights (1 where a row has none); none when no row has one. */
function sampleWeightsOf(rows: readonly TrainingRow[]): { sampleWeights?: number[] } {
  if (rows.every((r) => r.weight === undefined)) return {};
  return {
    sampleWeights: rows.map((r, i) => {
      const w = r.weight ?? 1;
      if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) {
        throw new ModelError(`rows[${i}].weight`, `must be a finite number > 0 (got ${JSON.stringify(w)})`);
      }
      return w;
    }),
  };
}

/** The share of held-out rows a model's stored interval is meant to cover. */
export const INTERVAL_LEVEL = 0.9;

/** Linear-interpolated quantile (type 7) of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The central `level` interval of measured / out-of-fold-predicted. A prediction at or below zero
 * counts as a very large ratio (the measurement is far above it), so it widens the upper bound
 * rather than being dropped.
 */
export function outOfFoldInterval(
  measured: readonly number[],
  outOfFold: ArrayLike<number>,
  level: number,
): PredictionInterval {
  const scale = Math.max(...measured.map(Math.abs));
  const ratios = measured.map((y, i) => y / Math.max(outOfFold[i]!, 1e-9 * scale)).sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { level, lowRatio: quantile(ratios, tail), highRatio: quantile(ratios, 1 - tail), n: ratios.length };
}
