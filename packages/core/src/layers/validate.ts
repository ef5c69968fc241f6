import { LayerSpecError } from './errors.js';
import {
  ACTIVATION_FUNCTIONS,
  LAYER_KINDS,
  type LayerKind,
  type LayerSpec,
  type Padding,
  type Shape,
} from './spec.js';

type Fields = Record<string, unknown>;

/**
 * Largest integer a spec field may hold (2^31 − 1): far above any real layer, and small enough
 * that costs and features computed from it stay finite.
 */
export const MAX_SPEC_INT = 2 ** 31 - 1;

function bounded(v: number, kind: string, key: string): number {
  if (v > MAX_SPEC_INT)
    throw new LayerSpecError(`${kind}.${key}`, `must be at most ${MAX_SPEC_INT} (got ${v})`);
  return v;
}

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInt(obj: Fields, kind: string, key: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new LayerSpecError(`${kind}.${key}`, `must be a positive integer (got ${JSON.stringify(v)})`);
  }
  return bounded(v, kind, key);
}

function nonNegativeInt(obj: Fields, kind: string, key: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new LayerSpecError(`${kind}.${key}`, `must be a non-negative integer (got ${JSON.stringify(v)})`);
  }
  return bounded(v, kind, key);
}

function bool(obj: Fields, kind: string, key: string): boolean {
  const v = obj[key];
  if (typeof v !== 'boolean')
    throw new LayerSpecError(`${kind}.${key}`, `must be true or false (got ${JSON.stringify(v)})`);
  return v;
}

function oneOf<T extends string>(obj: Fields, kind: string, key: string, allowed: readonly T[]): T {
  const v = obj[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new LayerSpecError(
      `${kind}.${key}`,
      `must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`,
    );
  }
  return v as T;
}

export function parseShape(value: unknown, field: string): Shape {
  if (!Array.isArray(value) || value.length !== 3) {
    throw new LayerSpecError(field, `must be a shape [H, W, C] (got ${JSON.stringify(value)})`);
  }
  value.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d <= 0) {
      throw new LayerSpecError(`${field}[${i}]`, `must be a positive integer (got ${JSON.stringify(d)})`);
    }
    if (d > MAX_SPEC_INT)
      throw new LayerSpecError(`${field}[${i}]`, `must be at most ${MAX_SPEC_INT} (got ${d})`);
  });
  return [value[0], value[1], value[2]] as Shape;
}

function padding(obj: Fields, kind: string): Padding {
  const v = obj['padding'];
  if (v === 'SAME' || v === 'VALID') return v;
  if (isRecord(v)) {
    const field = `${kind}.padding`;
    return {
      top: nonNegativeInt(v, field, 'top'),
      bottom: nonNegativeInt(v, field, 'bottom'),
      left: nonNegativeInt(v, field, 'left'),
      right: nonNegativeInt(v, field, 'right'),
    };
  }
  throw new LayerSpecError(
    `${kind}.padding`,
    `must be SAME, VALID or {top, bottom, left, right} (got ${JSON.stringify(v)})`,
  );
}

/** Validates an untrusted value (JSON from a file or the network) into a LayerSpec. */
export function parseLayerSpec(value: unknown): LayerSpec {
  if (!isRecord(value)) throw new LayerSpecError('spec', `must be an object (got ${JSON.stringify(value)})`);
  const kind = value['kind'];
  if (typeof kind !== 'string' || !(LAYER_KINDS as readonly string[]).includes(kind)) {
    throw new LayerSpecError(
      'spec.kind',
      `unknown layer kind ${JSON.stringify(kind)}; known: ${LAYER_KINDS.join(', ')}`,
    );
  }
  const k = kind as LayerKind;
  switch (k) {
    case 'conv': {
      const spec = {
        kind: k,
        filters: positiveInt(value, k, 'filters'),
        kernelH: positiveInt(value, k, 'kernelH'),
        kernelW: positiveInt(value, k, 'kernelW'),
        strideH: positiveInt(value, k, 'strideH'),
        strideW: positiveInt(value, k, 'strideW'),
        padding: padding(value, k),
        dilationH: positiveInt(value, k, 'dilationH'),
        dilationW: positiveInt(value, k, 'dilationW'),
        groups: positiveInt(value, k, 'groups'),
        bias: bool(value, k, 'bias'),
      };
      if (spec.filters % spec.groups !== 0) {
        throw new LayerSpecError('conv.groups', `must divide filters (${spec.filters}) (got ${spec.groups})`);
      }
      return spec;
    }
    case 'fc':
      return { kind: k, units: positiveInt(value, k, 'units'), bias: bool(value, k, 'bias') };
    case 'pool':
      return {
        kind: k,
        mode: oneOf(value, k, 'mode', ['max', 'avg'] as const),
        kernelH: positiveInt(value, k, 'kernelH'),
        kernelW: positiveInt(value, k, 'kernelW'),
        strideH: positiveInt(value, k, 'strideH'),
        strideW: positiveInt(value, k, 'strideW'),
        padding: padding(value, k),
      };
    case 'globalpool':
      return { kind: k, mode: oneOf(value, k, 'mode', ['max', 'avg'] as const) };
    case 'activation':
      return { kind: k, fn: oneOf(value, k, 'fn', ACTIVATION_FUNCTIONS) };
    case 'dropout': {
      const rate = value['rate'];
      if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
        throw new LayerSpecError('dropout.rate', `must be a number in [0, 1) (got ${JSON.stringify(rate)})`);
      }
      return { kind: k, rate };
    }
    case 'lrn':
      return { kind: k, depthRadius: positiveInt(value, k, 'depthRadius') };
    case 'reshape':
      return { kind: k, shape: parseShape(value['shape'], 'reshape.shape') };
    case 'pad':
      return {
        kind: k,
        top: nonNegativeInt(value, k, 'top'),
        bottom: nonNegativeInt(value, k, 'bottom'),
        left: nonNegativeInt(value, k, 'left'),
        right: nonNegativeInt(value, k, 'right'),
      };
    case 'unsupported': {
      const sourceType = value['sourceType'];
      if (typeof sourceType !== 'string' || sourceType === '') {
        throw new LayerSpecError(
          'unsupported.sourceType',
          `must be a non-empty string (got ${JSON.stringify(sourceType)})`,
        );
      }
      const out = value['outputShape'];
      return out === undefined
        ? { kind: k, sourceType }
        : { kind: k, sourceType, outputShape: parseShape(out, 'unsupported.outputShape') };
    }
    case 'batchnorm':
    case 'add':
    case 'concat':
    case 'flatten':
    case 'softmax':
      return { kind: k };
  }
}
