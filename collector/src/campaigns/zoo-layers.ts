import { type LayerConfig, layerSignature, type ModelKind, modelKindOf } from '@neuralpower/core';
import { listZoo, zooNetwork } from '@neuralpower/networks';

const cache = new Map<ModelKind, readonly (readonly number[])[]>();

/**
 * Signatures of every layer of `kind` in the zoo's networks at their own input size: where real
 * networks put their layers. Computed once per kind per process.
 */
export function zooSignatures(kind: ModelKind): readonly (readonly number[])[] {
  const hit = cache.get(kind);
  if (hit) return hit;
  const out: number[][] = [];
  for (const { name } of listZoo()) {
    const net = zooNetwork(name);
    for (const layer of net.layers) {
      if (modelKindOf(layer.spec) !== kind) continue;
      const config: LayerConfig = { spec: layer.spec, inputs: layer.inputs, batch: 1 };
      out.push(layerSignature(config));
    }
  }
  cache.set(kind, out);
  return out;
}
