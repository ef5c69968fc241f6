import {
  buildNetwork,
  LayerSpecError,
  type Network,
  NetworkError,
  type NetworkNode,
  parseLayerSpec,
  parseShape,
} from '@neuralpower/core';
import { checkOptions, type NetworkOptions } from '../options.js';
import { checkJsonDepth } from './depth.js';
import { int, isRecord, record, str, stringArray } from './fields.js';

/** The core's own description: `{name, batch, input: [H, W, C], nodes: [{name, spec, parents}]}`. */
export function importNative(json: unknown, opts: NetworkOptions = {}): Network {
  checkOptions(opts);
  checkJsonDepth(json, 'native');
  const root = record(json, '(file)', '');
  const name = str(root, '(file)', 'name');
  const batch = opts.batch ?? (root['batch'] === undefined ? 1 : int(root['batch'], '(file)', 'batch'));
  let input: readonly [number, number, number];
  try {
    input = parseShape(root['input'], 'input');
  } catch (err) {
    if (err instanceof LayerSpecError) throw new NetworkError('(file)', err.detail, err.field);
    throw err;
  }
  if (opts.input) input = [opts.input[0], opts.input[1], input[2]];
  if (!Array.isArray(root['nodes'])) throw new NetworkError('(file)', 'must be an array of nodes', 'nodes');
  const nodes: NetworkNode[] = root['nodes'].map((raw, i) => {
    const where = `nodes[${i}]`;
    const node = record(raw, where, '');
    const nodeName = str(node, where, 'name');
    try {
      return {
        name: nodeName,
        spec: parseLayerSpec(node['spec']),
        parents: node['parents'] === undefined ? [] : stringArray(node['parents'], nodeName, 'parents'),
      };
    } catch (err) {
      if (err instanceof LayerSpecError) throw new NetworkError(nodeName, err.detail, err.field);
      throw err;
    }
  });
  return buildNetwork({ name, batch, input, nodes });
}

export function looksLikeNative(json: unknown): boolean {
  return isRecord(json) && Array.isArray(json['nodes']) && json['input'] !== undefined;
}

/** The inverse of importNative: a network as the core's JSON description. */
export function toNativeJson(network: Network): {
  name: string;
  batch: number;
  input: [number, number, number];
  nodes: NetworkNode[];
} {
  return {
    name: network.name,
    batch: network.batch,
    input: [...network.input],
    nodes: network.layers.map((l) => ({ name: l.name, spec: l.spec, parents: [...l.parents] })),
  };
}
