import { isModelKind, kindFeatures, MODEL_KINDS } from '../features/registry.js';
import {
  familyOf,
  finite,
  integer,
  oneOf,
  parseFormat,
  parseInterval,
  parseTraining,
  record,
  serializeInterval,
  serializeTraining,
} from '../model/json-parts.js';
import { ModelError } from '../model/types.js';
import {
  makeSaturatingPowerModel,
  type SaturatingPowerJson,
  type SaturatingPowerModel,
} from './saturating.js';

const SOURCES = ['platform', 'cv'] as const;

/** The model as plain JSON data, keys in a fixed order: `JSON.stringify` of it is the model file. */
export function serializeSaturatingPowerModel(model: SaturatingPowerModel): SaturatingPowerJson {
  const r = model.report;
  return {
    format: model.format,
    family: 'saturating',
    kind: model.kind,
    target: 'power',
    unit: 'W',
    idleW: model.idleW,
    idleFrom: model.idleFrom,
    limitW: model.limitW,
    limitFrom: model.limitFrom,
    busy: model.busy,
    perMacPerMs: model.perMacPerMs,
    perBytePerMs: model.perBytePerMs,
    report: {
      n: r.n,
      folds: r.folds,
      seed: r.seed,
      grouped: r.grouped,
      rmspe: r.rmspe,
      rmse: r.rmse,
      mape: r.mape,
      within10Pct: r.within10Pct,
      predictedRuntimeRmspe: r.predictedRuntimeRmspe,
    },
    training: serializeTraining(model.training),
    interval: serializeInterval(model.interval),
  };
}

/** Validates an untrusted value (a parsed model file) into a saturating model; errors name the field. */
export function parseSaturatingPowerModel(value: unknown): SaturatingPowerModel {
  const m = record(value, 'model');
  const format = parseFormat(m['format']);
  if (familyOf(m, format) !== 'saturating') {
    throw new ModelError('family', `must be "saturating" (got ${JSON.stringify(m['family'])})`);
  }
  const kind = m['kind'];
  if (!isModelKind(kind)) {
    throw new ModelError(
      'kind',
      `unknown model kind ${JSON.stringify(kind)}; known: ${MODEL_KINDS.join(', ')}`,
    );
  }
  if (m['target'] !== 'power') {
    throw new ModelError('target', `a saturating model predicts power (got ${JSON.stringify(m['target'])})`);
  }
  if (m['unit'] !== 'W')
    throw new ModelError('unit', `a power model is in W (got ${JSON.stringify(m['unit'])})`);
  const idleW = finite(m['idleW'], 'idleW', 0);
  const limitW = finite(m['limitW'], 'limitW', 0);
  if (!(limitW > idleW)) throw new ModelError('limitW', `must exceed idleW ${idleW} (got ${limitW})`);
  const r = record(m['report'], 'report');
  if (typeof r['grouped'] !== 'boolean') {
    throw new ModelError('report.grouped', `must be true or false (got ${JSON.stringify(r['grouped'])})`);
  }
  return makeSaturatingPowerModel({
    format,
    family: 'saturating',
    kind,
    target: 'power',
    unit: 'W',
    idleW,
    idleFrom: oneOf(m['idleFrom'], 'idleFrom', SOURCES),
    limitW,
    limitFrom: oneOf(m['limitFrom'], 'limitFrom', SOURCES),
    busy: finite(m['busy'], 'busy', 0),
    perMacPerMs: finite(m['perMacPerMs'], 'perMacPerMs', 0),
    perBytePerMs: finite(m['perBytePerMs'], 'perBytePerMs', 0),
    report: {
      n: integer(r['n'], 'report.n', 1),
      folds: integer(r['folds'], 'report.folds', 2),
      seed: finite(r['seed'], 'report.seed'),
      grouped: r['grouped'],
      rmspe: finite(r['rmspe'], 'report.rmspe', 0),
      rmse: finite(r['rmse'], 'report.rmse', 0),
      mape: finite(r['mape'], 'report.mape', 0),
      within10Pct: finite(r['within10Pct'], 'report.within10Pct', 0),
      predictedRuntimeRmspe:
        r['predictedRuntimeRmspe'] === null
          ? null
          : finite(r['predictedRuntimeRmspe'], 'report.predictedRuntimeRmspe', 0),
    },
    training: parseTraining(m['training'], kindFeatures(kind).rawFeatures),
    interval: parseInterval(m['interval']),
  });
}
