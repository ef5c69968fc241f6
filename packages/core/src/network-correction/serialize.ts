import { ModelError, type PredictionInterval, type ValueRange } from '../model/types.js';
import { makeNetworkCorrection } from './correction.js';
import {
  CORRECTION_FORM_NAMES,
  CORRECTION_FORMS,
  type CorrectionForm,
  type CorrectionTerm,
  NETWORK_CORRECTION_FORMAT,
  type NetworkCorrection,
  type NetworkCorrectionJson,
} from './types.js';

type Fields = Record<string, unknown>;

function record(value: unknown, field: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelError(field, `must be an object (got ${JSON.stringify(value)})`);
  }
  return value as Fields;
}

function finite(value: unknown, field: string, min = Number.NEGATIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    const what = min === Number.NEGATIVE_INFINITY ? 'a finite number' : `a finite number ≥ ${min}`;
    throw new ModelError(field, `must be ${what} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function count(value: unknown, field: string): number {
  const v = finite(value, field, 1);
  if (!Number.isInteger(v)) throw new ModelError(field, `must be an integer (got ${v})`);
  return v;
}

function range(value: unknown, field: string): ValueRange {
  const r = record(value, field);
  const min = finite(r['min'], `${field}.min`);
  const max = finite(r['max'], `${field}.max`);
  if (min > max) throw new ModelError(field, `min ${min} exceeds max ${max}`);
  return { min, max };
}

/** Whether a parsed JSON file is a network correction (rather than a layer model). */
export function isNetworkCorrectionJson(value: unknown): boolean {
  const format = (value as { format?: unknown } | null)?.format;
  return typeof format === 'string' && format.startsWith('neuralpower.network-correction/');
}

/** The correction as plain JSON data, keys in a fixed order: `JSON.stringify` of it is the file. */
export function serializeNetworkCorrection(c: NetworkCorrectionJson): NetworkCorrectionJson {
  const terms = CORRECTION_FORMS[c.form].terms as readonly CorrectionTerm[];
  return {
    format: c.format,
    form: c.form,
    coefficients: Object.fromEntries(terms.map((t) => [t, c.coefficients[t] ?? 0])),
    networks: c.networks,
    records: c.records,
    cvRmspe: Object.fromEntries(
      CORRECTION_FORM_NAMES.flatMap((f) => (c.cvRmspe[f] === undefined ? [] : [[f, c.cvRmspe[f]]])),
    ),
    cvMape: c.cvMape,
    cvRmseMs: c.cvRmseMs,
    interval:
      c.interval === null
        ? null
        : {
            level: c.interval.level,
            lowRatio: c.interval.lowRatio,
            highRatio: c.interval.highRatio,
            n: c.interval.n,
          },
    training: {
      sumMs: { min: c.training.sumMs.min, max: c.training.sumMs.max },
      layers: { min: c.training.layers.min, max: c.training.layers.max },
    },
  };
}

function parseInterval(value: unknown): PredictionInterval | null {
  if (value === null) return null;
  const r = record(value, 'interval');
  const level = finite(r['level'], 'interval.level', 0);
  if (!(level > 0 && level < 1)) throw new ModelError('interval.level', `must lie in (0, 1) (got ${level})`);
  const lowRatio = finite(r['lowRatio'], 'interval.lowRatio', 0);
  const highRatio = finite(r['highRatio'], 'interval.highRatio', 0);
  if (lowRatio > highRatio)
    throw new ModelError('interval', `lowRatio ${lowRatio} exceeds highRatio ${highRatio}`);
  return { level, lowRatio, highRatio, n: count(r['n'], 'interval.n') };
}

/** Validates an untrusted value (a parsed correction file); errors name the field at fault. */
export function parseNetworkCorrection(value: unknown): NetworkCorrection {
  const m = record(value, 'correction');
  if (m['format'] !== NETWORK_CORRECTION_FORMAT) {
    throw new ModelError(
      'format',
      `unsupported network correction format ${JSON.stringify(m['format'])}; this version reads "${NETWORK_CORRECTION_FORMAT}"`,
    );
  }
  const form = m['form'];
  if (typeof form !== 'string' || !(CORRECTION_FORM_NAMES as readonly string[]).includes(form)) {
    throw new ModelError(
      'form',
      `must be one of ${CORRECTION_FORM_NAMES.join(', ')} (got ${JSON.stringify(form)})`,
    );
  }
  const terms = CORRECTION_FORMS[form as CorrectionForm].terms as readonly CorrectionTerm[];
  const rawCoefficients = record(m['coefficients'], 'coefficients');
  for (const key of Object.keys(rawCoefficients)) {
    if (!(terms as readonly string[]).includes(key)) {
      throw new ModelError(
        `coefficients.${key}`,
        `is not a term of the ${form} form (${terms.join(', ') || 'none'})`,
      );
    }
  }
  const coefficients: Partial<Record<CorrectionTerm, number>> = {};
  for (const t of terms) coefficients[t] = finite(rawCoefficients[t], `coefficients.${t}`);
  const rawCv = record(m['cvRmspe'], 'cvRmspe');
  const cvRmspe: Partial<Record<CorrectionForm, number>> = {};
  for (const [key, v] of Object.entries(rawCv)) {
    if (!(CORRECTION_FORM_NAMES as readonly string[]).includes(key)) {
      throw new ModelError(
        `cvRmspe.${key}`,
        `is not a correction form (${CORRECTION_FORM_NAMES.join(', ')})`,
      );
    }
    cvRmspe[key as CorrectionForm] = finite(v, `cvRmspe.${key}`, 0);
  }
  const training = record(m['training'], 'training');
  return makeNetworkCorrection({
    format: NETWORK_CORRECTION_FORMAT,
    form: form as CorrectionForm,
    coefficients,
    networks: count(m['networks'], 'networks'),
    records: count(m['records'], 'records'),
    cvRmspe,
    cvMape: finite(m['cvMape'], 'cvMape', 0),
    cvRmseMs: finite(m['cvRmseMs'], 'cvRmseMs', 0),
    interval: parseInterval(m['interval']),
    training: {
      sumMs: range(training['sumMs'], 'training.sumMs'),
      layers: range(training['layers'], 'training.layers'),
    },
  });
}
