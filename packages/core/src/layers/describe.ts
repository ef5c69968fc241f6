import { type LayerCost, layerCost } from './cost.js';
import { LayerSpecError } from './errors.js';
import { inferOutputShape } from './shape.js';
import type { LayerConfig, LayerSpec, Shape } from './spec.js';
import { parseLayerSpec } from './validate.js';

/** A layer configuration with everything derivable from it: output shape and cost. */
export interface LayerInstance extends LayerConfig, LayerCost {
  readonly output: Shape;
}

/**
 * The kind a performance model is fitted for. Grouped and depthwise convolutions get their own
 * models: their cost per MAC differs from dense convolution by an order of magnitude.
 */
export type ModelKind = Exclude<LayerSpec['kind'], 'unsupported'> | 'dwconv';

export function modelKindOf(spec: LayerSpec): ModelKind | null {
  if (spec.kind === 'unsupported') return null;
  if (spec.kind === 'conv' && spec.groups > 1) return 'dwconv';
  return spec.kind;
}

export function describeLayer(config: LayerConfig): LayerInstance {
  if (!Number.isInteger(config.batch) || config.batch <= 0) {
    throw new LayerSpecError('batch', `must be a positive integer (got ${JSON.stringify(config.batch)})`);
  }
  // Specs built in code (zoo, importers) get the same checks as specs read from files.
  parseLayerSpec(config.spec);
  const output = inferOutputShape(config.spec, config.inputs);
  return { ...config, output, ...layerCost(config.spec, config.inputs, output, config.batch) };
}
