import {
  inferOutputShape,
  type LayerSpec,
  LayerSpecError,
  parseLayerSpec,
  type Shape,
} from '@neuralpower/core';
import { z } from 'zod';
import { BOUNDS } from './bounds.js';

export const positiveInt = z.number().int().positive();
export const nonNegative = z.number().nonnegative();
export const positive = z.number().positive();
/** ISO 8601 date-time, `Z` or an offset, e.g. `2026-11-27T16:09:14.123Z`. */
export const timestamp = z.iso.datetime({ offset: true });

const dim = (max: number) => positiveInt.max(max);
/** `[H, W, C]` per example, each dimension and the element count bounded (BOUNDS). */
export const shapeSchema = z
  .tuple([dim(BOUNDS.spatial.max), dim(BOUNDS.spatial.max), dim(BOUNDS.channels.max)])
  .readonly()
  .refine(([h, w, c]) => h * w * c <= BOUNDS.elements.max, {
    message: `has more than ${BOUNDS.elements.max} elements (H × W × C)`,
  });

/**
 * A layer spec validated by the core's own `parseLayerSpec`, so the wire accepts exactly what the
 * models accept. The core names fields `conv.kernelH`; on the wire the path is `…spec.kernelH`.
 */
export const layerSpecSchema = z.unknown().transform((value, ctx): LayerSpec => {
  try {
    return parseLayerSpec(value);
  } catch (err) {
    if (!(err instanceof LayerSpecError)) throw err;
    ctx.addIssue({ code: 'custom', message: coreMessage(err), path: specSubPath(err.field) });
    return z.NEVER;
  }
});

/** The core prefixes messages with its own field name; the wire path replaces it. */
function coreMessage(err: LayerSpecError): string {
  const prefix = `${err.field}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/** `conv.padding.top` → [`padding`, `top`]; `spec.kind` → [`kind`]; `spec` → []. */
export function specSubPath(coreField: string): (string | number)[] {
  const parts = coreField.split('.').slice(1);
  const out: (string | number)[] = [];
  for (const part of parts) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    out.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/**
 * Checks a spec against its inputs and batch with the core's shape inference, mapping the core's
 * field (`conv.inputs`, `conv.kernelH`, `batch`) to the record's own path.
 */
export function checkLayerConfig(
  config: { spec: LayerSpec; inputs: readonly Shape[]; batch: number },
  ctx: { addIssue: (issue: { code: 'custom'; message: string; path: (string | number)[] }) => void },
  prefix: (string | number)[] = [],
): void {
  try {
    // Shape inference is the check that matters here (and is ~100x cheaper than describeLayer's
    // cost model, which ingest does not need); batch is already checked by the schema.
    inferOutputShape(config.spec, config.inputs);
  } catch (err) {
    if (!(err instanceof LayerSpecError)) throw err;
    const sub = specSubPath(err.field);
    let path: (string | number)[];
    if (err.field === 'batch') path = ['batch'];
    else if (sub[0] === 'inputs') path = sub;
    else path = ['spec', ...sub];
    ctx.addIssue({ code: 'custom', message: coreMessage(err), path: [...prefix, ...path] });
  }
}
