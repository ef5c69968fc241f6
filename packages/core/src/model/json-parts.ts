/** Validation helpers shared by the model parsers (every family); not part of the package's API. */
import {
  MODEL_FAMILIES,
  MODEL_FORMATS,
  ModelError,
  type ModelFamily,
  type ModelFormat,
  type PredictionInterval,
  type TrainingSummary,
  type ValueRange,
} from './types.js';

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown, field: string): Fields {
  if (!isRecord(value)) throw new ModelError(field, `must be an object (got ${JSON.stringify(value)})`);
  return value;
}

export function finite(value: unknown, field: string, min = Number.NEGATIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    const what = min === Number.NEGATIVE_INFINITY ? 'a finite number' : `a finite number ≥ ${min}`;
    throw new ModelError(field, `must be ${what} (got ${JSON.stringify(value)})`);
  }
  return value;
}

export function integer(value: unknown, field: string, min: number): number {
  const v = finite(value, field, min);
  if (!Number.isInteger(v)) throw new ModelError(field, `must be an integer (got ${v})`);
  return v;
}

export function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ModelError(field, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

export function range(value: unknown, field: string): ValueRange {
  const r = record(value, field);
  const min = finite(r['min'], `${field}.min`);
  const max = finite(r['max'], `${field}.max`);
  if (min > max) throw new ModelError(field, `min ${min} exceeds max ${max}`);
  return { min, max };
}

export function parseTraining(value: unknown, rawFeatures: readonly string[]): TrainingSummary {
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

export function parseInterval(value: unknown): PredictionInterval {
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

/** Whether files of this format carry `family` (from `/3` on). */
export function hasFamily(format: ModelFormat): boolean {
  return format !== 'neuralpower.model/1' && format !== 'neuralpower.model/2';
}

/** Parses a format field; every model family shares the format list. */
export function parseFormat(value: unknown): ModelFormat {
  if (!(MODEL_FORMATS as readonly unknown[]).includes(value)) {
    throw new ModelError(
      'format',
      `unsupported model format ${JSON.stringify(value)}; this version reads ${MODEL_FORMATS.map((f) => JSON.stringify(f)).join(', ')}`,
    );
  }
  return value as ModelFormat;
}

/** The family a model file declares (`polynomial` for `/1` and `/2` files, which predate families). */
export function familyOf(m: Record<string, unknown>, format: ModelFormat): ModelFamily {
  if (!hasFamily(format)) {
    if (m['family'] !== undefined) {
      throw new ModelError('family', `is not a field of ${format} files (they are all polynomial)`);
    }
    return 'polynomial';
  }
  return oneOf(m['family'], 'family', MODEL_FAMILIES);
}

/** The training summary with a fixed key order. */
export function serializeTraining(t: TrainingSummary): TrainingSummary {
  return {
    n: t.n,
    features: Object.fromEntries(Object.entries(t.features).map(([k, r]) => [k, { min: r.min, max: r.max }])),
    target: { min: t.target.min, max: t.target.max },
    ...(t.distinctTerms === undefined ? {} : { distinctTerms: t.distinctTerms }),
    hash: t.hash,
  };
}

export function serializeInterval(iv: PredictionInterval): PredictionInterval {
  return { level: iv.level, lowRatio: iv.lowRatio, highRatio: iv.highRatio, n: iv.n };
}
