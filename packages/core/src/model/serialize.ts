import { TARGET_UNITS } from '../features/kind.js';
import { isModelKind, isTarget, kindFeatures, MODEL_KINDS } from '../features/registry.js';
import type { FitReport } from '../fit/index.js';
import {
  familyOf,
  finite,
  hasFamily,
  integer,
  oneOf,
  parseFormat,
  parseInterval,
  parseTraining,
  record,
  serializeInterval,
  serializeTraining,
} from './json-parts.js';
import { compileOrExplain, makeLayerModel } from './layer-model.js';
import { type LayerModel, ModelError, type ModelJson } from './types.js';

/** The report with a fixed key order, so serialising a parsed model reproduces the text. */
function normaliseReport(r: FitReport): FitReport {
  const byObjective = byObjectiveInOrder(r.cvRmspeByObjective);
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
    ...(r.weighted === undefined
      ? {}
      : {
          weighted: {
            effectiveRows: r.weighted.effectiveRows,
            rmspe: r.weighted.rmspe,
            cvRmspeByObjective: byObjectiveInOrder(r.weighted.cvRmspeByObjective),
          },
        }),
  };
}

function byObjectiveInOrder(by: FitReport['cvRmspeByObjective']): FitReport['cvRmspeByObjective'] {
  const out: FitReport['cvRmspeByObjective'] = {};
  if (by.squared !== undefined) out.squared = by.squared;
  if (by.relative !== undefined) out.relative = by.relative;
  return out;
}

function parseReport(value: unknown): FitReport {
  const r = record(value, 'report');
  const objectives = ['squared', 'relative'] as const;
  const cv = parseByObjective(r['cvRmspeByObjective'], 'report.cvRmspeByObjective');
  let weighted: FitReport['weighted'];
  if (r['weighted'] !== undefined) {
    const w = record(r['weighted'], 'report.weighted');
    weighted = {
      effectiveRows: finite(w['effectiveRows'], 'report.weighted.effectiveRows', 0),
      rmspe: finite(w['rmspe'], 'report.weighted.rmspe', 0),
      cvRmspeByObjective: parseByObjective(w['cvRmspeByObjective'], 'report.weighted.cvRmspeByObjective'),
    };
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
    ...(weighted === undefined ? {} : { weighted }),
  });
}

function parseByObjective(value: unknown, field: string): FitReport['cvRmspeByObjective'] {
  const objectives = ['squared', 'relative'] as const;
  const byObjective = record(value, field);
  for (const key of Object.keys(byObjective)) oneOf(key, field, objectives);
  const cv: FitReport['cvRmspeByObjective'] = {};
  for (const o of objectives) {
    if (byObjective[o] !== undefined) cv[o] = finite(byObjective[o], `${field}.${o}`, 0);
  }
  return cv;
}

/** The model as plain JSON data, keys in a fixed order: `JSON.stringify` of it is the model file. */
export function serializeModel(model: LayerModel): ModelJson {
  return {
    format: model.format,
    // `/1` and `/2` files have no family field: re-serialising them reproduces the file.
    ...(hasFamily(model.format) ? { family: 'polynomial' as const } : {}),
    kind: model.kind,
    target: model.target,
    unit: model.unit,
    terms: [...model.terms],
    coefficients: [...model.coefficients],
    intercept: model.intercept,
    objective: model.objective,
    lambda: model.lambda,
    report: normaliseReport(model.report),
    training: serializeTraining(model.training),
    ...(model.interval === null ? {} : { interval: serializeInterval(model.interval) }),
  };
}

/** Validates an untrusted value (a parsed model file) into a model; errors name the field at fault. */
export function parseModel(value: unknown): LayerModel {
  const m = record(value, 'model');
  const format = parseFormat(m['format']);
  if (familyOf(m, format) !== 'polynomial') {
    throw new ModelError(
      'family',
      'a saturating power model has no terms: read it with parseKindModel (it predicts from the runtime)',
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
    format,
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
