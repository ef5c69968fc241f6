import { NetworkError } from '@neuralpower/core';

/** Small readers for untrusted JSON that fail naming the layer and the field. */
export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown, layer: string, field: string): Json {
  if (!isRecord(value)) throw new NetworkError(layer, `must be an object (got ${brief(value)})`, field);
  return value;
}

export function str(obj: Json, layer: string, field: string): string {
  const v = obj[field];
  if (typeof v !== 'string' || v === '')
    throw new NetworkError(layer, `must be a non-empty string (got ${brief(v)})`, field);
  return v;
}

export function int(value: unknown, layer: string, field: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new NetworkError(layer, `must be an integer >= ${min} (got ${brief(value)})`, field);
  }
  return value;
}

export function intArray(value: unknown, layer: string, field: string, length?: number): number[] {
  if (!Array.isArray(value) || (length !== undefined && value.length !== length)) {
    throw new NetworkError(
      layer,
      `must be an array of ${length ?? 'some'} integers (got ${brief(value)})`,
      field,
    );
  }
  return value.map((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new NetworkError(layer, `must be an integer (got ${brief(v)})`, `${field}[${i}]`);
    }
    return v;
  });
}

export function stringArray(value: unknown, layer: string, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new NetworkError(layer, `must be an array of layer names (got ${brief(value)})`, field);
  }
  return value as string[];
}

/** A short rendering of an offending value for error messages. */
export function brief(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
