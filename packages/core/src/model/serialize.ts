import { TARGET_UNITS } from '../features/kind.js';
import { isModelKind, isTarget, kindFeatures, MODEL_KINDS } from '../features/registry.js';
import type { FitReport } from '../fit/index.js';
import { compileOrExplain, makeLayerModel } from './layer-model.js';
import {
  type LayerModel,
  MODEL_FORMATS,
  ModelError,
  type ModelFormat,
  type ModelJson,
  type PredictionInterval,
  type TrainingSummary,
  type ValueRange,
} from './types.js';

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, field: string): Fields {
  if (!isRecord(value)) throw new ModelError(field, `must be an object (got ${JSON.stringify(value)})`);
  return value;
}

function finite(value: unknown, field: string, min = Number.NEGATIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    const what = min === Number.NEGATIVE_INFINITY ? 'a finite number' : `a finite number ≥ ${min}`;
    throw new ModelError(field, `must be ${what} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function integer(value: unknown, field: string, min: number): number {
  const v = finite(value, field, min);
  if (!Number.isInteger(v)) throw new ModelError(field, `must be an integer (got ${v})`);
  return v;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ModelError(field, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

function range(value: unknown, field: string): ValueRange {
  const r = record(value, field);
  const min = finite(r['min'], `${field}.min`);
  const max = finite(r['max'], `${field}.max`);
  if (min > max) throw new ModelError(field, `min ${min} exceeds max ${max}`);
  return { min, max };
}

/** The report with a fixed key order, so serialising a parsed model reproduces the text. */
function normaliseReport(r: FitReport): FitReport {
  const byObjective: FitReport['cvRmspeByObjective'] = {};
  if (r.cvRmspeByObjective.squared !== undefined) byObjective.squared = r.cvRmspeByObjective.squared;
  if (r.cvRmspeByObjective.relative !== undefined) byObjective.relative = r.cvRmspeByObjective.relative;
  return {
    n: r.n,
    candidateTerms: r.candidateTerms,
    nonZeroTerms: r.nonZeroTerms,
    modelSize: r.modelSize,
    lambda: r.lambda,
    objective: r.objective,
    objectiveMode: r.objectiveMode,
    selection: r.selection,
    folds: r.folds,
    seed: r.seed,
    rmspe: r.rmspe,
    rmse: r.rmse,
    mape: r.mape,
    within10Pct: r.within10Pct,
    cvRmspeByObjective: byObjective,
  };
}

function parseReport(value: unknown): FitReport {
  const r = record(value, 'report');
  const objectives = ['squared', 'relative'] as const;
  const byObjective = record(r['cvRmspeByObjective'], 'report.cvRmspeByObjective');
  for (const key of Object.keys(byObjective)) oneOf(key, 'report.cvRmspeByObjective', objectives);
  const cv: FitReport['cvRmspeByObjective'] = {};
  for (const o of objectives) {
    if (byObjective[o] !== undefined) cv[o] = finite(byObjective[o], `report.cvRmspeByObjective.${o}`, 0);
  }
  return normaliseReport({
    n: integer(r['n'], 'report.n', 1),
    candidateTerms: integer(r['candidateTerms'], 'report.candidateTerms', 0),
    nonZeroTerms: integer(r['nonZeroTerms'], 'report.nonZeroTerms', 0),
    modelSize: integer(r['modelSize'], 'report.modelSize', 1),
    lambda: finite(r['lambda'], 'report.lambda', 0),
    objective: oneOf(r['objective'], 'report.objective', objectives),
    objectiveMode: oneOf(r['objectiveMode'], 'report.objectiveMode', [...objectives, 'auto'] as const),
    selection: oneOf(r['selection'], 'report.selection', ['min', '1se'] as const),
    folds: integer(r['folds'], 'report.folds', 2),
    seed: finite(r['seed'], 'report.seed'),
    rmspe: finite(r['rmspe'], 'report.rmspe', 0),
    rmse: finite(r['rmse'], 'report.rmse', 0),
    mape: finite(r['mape'], 'report.mape', 0),
    within10Pct: finite(r['within10Pct'], 'report.within10Pct', 0),
    cvRmspeByObjective: cv,
  });
}

function parseTraining(value: unknown, rawFeatures: readonly string[]): TrainingSummary {
  const t = record(value, 'training');
  const features = record(t['features'], 'training.features');
  const parsed: Record<string, ValueRange> = {};
  for (const [name, r] of Object.entries(features)) {
    if (!rawFeatures.includes(name)) {
      throw new ModelError(
        `training.features.${name}`,
        `is not a raw feature of this kind; known: ${rawFeatures.join(', ')}`,
      );
    }
    parsed[name] = range(r, `training.features.${name}`);
  }
  const hash = t['hash'];
  if (typeof hash !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(hash)) {
    throw new ModelError(
      'training.hash',
      `must be "sha256:" and 64 hex digits (got ${JSON.stringify(hash)})`,
    );
  }
  return {
    n: integer(t['n'], 'training.n', 1),
    features: parsed,
    target: range(t['target'], 'training.target'),
    ...(t['distinctTerms'] === undefined
      ? {}
      : { distinctTerms: integer(t['distinctTerms'], 'training.distinctTerms', 0) }),
    hash,
  };
}

function parseInterval(value: unknown): PredictionInterval {
  const r = record(value, 'interval');
  const level = finite(r['level'], 'interval.level', 0);
  if (!(level > 0 && level < 1)) throw new ModelError('interval.level', `must lie in (0, 1) (got ${level})`);
  const lowRatio = finite(r['lowRatio'], 'interval.lowRatio', 0);
  const highRatio = finite(r['highRatio'], 'interval.highRatio', 0);
  if (lowRatio > highRatio) {
    throw new ModelError('interval', `lowRatio ${lowRatio} exceeds highRatio ${highRatio}`);
  }
  return { level, lowRatio, highRatio, n: integer(r['n'], 'interval.n', 1) };
}

/** The model as plain JSON data, keys in a fixed order: `JSON.stringify` of it is the model file. */
export function serializeModel(model: LayerModel): ModelJson {
  return {
    format: model.format,
    kind: model.kind,
    target: model.target,
    unit: model.unit,
    terms: [...model.terms],
    coefficients: [...model.coefficients],
    intercept: model.intercept,
    objective: model.objective,
    lambda: model.lambda,
    report: normaliseReport(model.report),
    training: {
      n: model.training.n,
      features: Object.fromEntries(
        Object.entries(model.training.features).map(([k, r]) => [k, { min: r.min, max: r.max }]),
      ),
      target: { min: model.training.target.min, max: model.training.target.max },
      ...(model.training.distinctTerms === undefined ? {} : { distinctTerms: model.training.distinctTerms }),
      hash: model.training.hash,
    },
    ...(model.interval === null
      ? {}
      : {
          interval: {
            level: model.interval.level,
            lowRatio: model.interval.lowRatio,
            highRatio: model.interval.highRatio,
            n: model.interval.n,
          },
        }),
  };
}

/** Validates an untrusted value (a parsed model file) into a model; errors name the field at fault. */
export function parseModel(value: unknown): LayerModel {
  const m = record(value, 'model');
  const format = m['format'];
  if (!(MODEL_FORMATS as readonly unknown[]).includes(format)) {
    throw new ModelError(
      'format',
      `unsupported model format ${JSON.stringify(format)}; this version reads ${MODEL_FORMATS.map((f) => JSON.stringify(f)).join(' and ')}`,
    );
  }
  const kind = m['kind'];
  if (!isModelKind(kind)) {
    throw new ModelError(
      'kind',
      `unknown model kind ${JSON.stringify(kind)}; known: ${MODEL_KINDS.join(', ')}`,
    );
  }
  const target = m['target'];
  if (!isTarget(target))
    throw new ModelError('target', `must be runtime or power (got ${JSON.stringify(target)})`);
  const unit = m['unit'];
  if (unit !== TARGET_UNITS[target]) {
    throw new ModelError(
      'unit',
      `a ${target} model is in ${TARGET_UNITS[target]} (got ${JSON.stringify(unit)})`,
    );
  }
  const terms = m['terms'];
  if (!Array.isArray(terms) || terms.length === 0)
    throw new ModelError('terms', 'must be a non-empty array of term names');
  terms.forEach((t, i) => {
    if (typeof t !== 'string')
      throw new ModelError(`terms[${i}]`, `must be a string (got ${JSON.stringify(t)})`);
  });
  // Terms before the rest: a term this kind cannot evaluate is the most telling error.
  compileOrExplain(kind, terms as string[]);
  const coefficients = m['coefficients'];
  if (!Array.isArray(coefficients)) throw new ModelError('coefficients', 'must be an array of numbers');
  const coefs = coefficients.map((c, i) => finite(c, `coefficients[${i}]`));
  const report = parseReport(m['report']);
  if (report.candidateTerms !== terms.length) {
    throw new ModelError(
      'report.candidateTerms',
      `is ${report.candidateTerms} but the model lists ${terms.length} terms`,
    );
  }
  const objective = oneOf(m['objective'], 'objective', ['squared', 'relative'] as const);
  return makeLayerModel({
    format: format as ModelFormat,
    kind,
    target,
    unit: TARGET_UNITS[target],
    terms: terms as string[],
    coefficients: coefs,
    intercept: finite(m['intercept'], 'intercept'),
    objective,
    lambda: finite(m['lambda'], 'lambda', 0),
    report,
    training: parseTraining(m['training'], kindFeatures(kind).rawFeatures),
    ...(format === 'neuralpower.model/1' ? {} : { interval: parseInterval(m['interval']) }),
  });
}
