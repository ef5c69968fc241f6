import type { LayerInstance, ModelKind } from '../layers/describe.js';
import { LayerSpecError } from '../layers/errors.js';
import type { LayerSpec, Shape } from '../layers/spec.js';
import { monomialName, vars } from './terms.js';

/** What a layer model predicts: runtime of one forward pass (ms) or mean power during it (W). */
export type Target = 'runtime' | 'power';
export const TARGETS: readonly Target[] = ['runtime', 'power'];
export const TARGET_UNITS: Readonly<Record<Target, 'ms' | 'W'>> = { runtime: 'ms', power: 'W' };

/**
 * The feature definition of one model kind: its raw features and its candidate term sets.
 * Term sets are data; adding a kind is one file exporting one of these plus a registry line.
 */
export interface KindFeatures {
  readonly kind: ModelKind;
  /** Raw feature names; their order is the factor order of canonical term names. */
  readonly rawFeatures: readonly string[];
  /** Raw feature values of a layer of this kind, aligned with `rawFeatures`. */
  extract(layer: LayerInstance): number[];
  /** Candidate term names per target, in design-matrix column order. */
  readonly candidates: Readonly<Record<Target, readonly string[]>>;
}

/** Narrows a layer's spec to the spec kind a feature definition reads. */
export function specOf<K extends LayerSpec['kind']>(
  layer: LayerInstance,
  kind: K,
): Extract<LayerSpec, { kind: K }> {
  if (layer.spec.kind !== kind) {
    throw new LayerSpecError('spec.kind', `expected a ${kind} layer (got ${layer.spec.kind})`);
  }
  return layer.spec as Extract<LayerSpec, { kind: K }>;
}

export function firstInput(layer: LayerInstance): Shape {
  const input = layer.inputs[0];
  if (!input) throw new LayerSpecError(`${layer.spec.kind}.inputs`, 'the layer has no input');
  return input;
}

/** A special term: a named product of raw features with a tag saying what it measures. */
export function special(rawNames: readonly string[], factors: readonly string[], tag: string): string {
  return monomialName(vars(rawNames, factors), rawNames, tag);
}
