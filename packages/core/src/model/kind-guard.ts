import { type LayerInstance, type ModelKind, modelKindOf } from '../layers/describe.js';
import { ModelError } from './types.js';

/** A model of one kind refuses a layer of another (both model families share this check). */
export function assertModelKind(modelKind: ModelKind, layer: LayerInstance): void {
  const kind = modelKindOf(layer.spec);
  if (kind !== modelKind) {
    throw new ModelError(
      'spec.kind',
      `a ${modelKind} model cannot predict a ${kind ?? layer.spec.kind} layer`,
    );
  }
}
