import { buildNetwork, type Network, NetworkError } from '@neuralpower/core';
import { addInputNode, GraphBuilder } from '../graph-builder.js';
import { checkOptions, type NetworkOptions } from '../options.js';
import { checkJsonDepth } from './depth.js';
import { brief, isRecord } from './fields.js';
import { FOLDS_PADDING, kerasPadding, mapLayer, zeroPadding } from './keras-layers.js';
import { type KerasLayer, readLayers, unwrapTopology } from './keras-topology.js';
import { topoSort } from './order.js';

/**
 * Keras / TensorFlow.js LayersModel JSON: a TF.js `model.json` (`{modelTopology, weightsManifest}`,
 * the topology possibly wrapped in `model_config`) or a Keras `model.to_json()` config, Sequential
 * or functional (`Model` / `Functional`), Keras 2 and Keras 3 `inbound_nodes`.
 *
 * One Keras layer becomes one node, except: an activation fused into Conv2D / Dense stays fused
 * (as TF.js runs it); SeparableConv2D becomes a depthwise and a pointwise convolution; a
 * ZeroPadding2D whose only consumer is a `valid` convolution or pooling folds into that layer's
 * explicit padding (Keras' way of writing PyTorch-style symmetric padding).
 */

export function importKeras(json: unknown, opts: NetworkOptions = {}): Network {
  checkOptions(opts);
  checkJsonDepth(json, 'Keras');
  const top = unwrapTopology(json);
  const aliases = new Map<string, string>();
  const { layers, input, inputName } = readLayers(top, '', aliases);
  // References to a nested model mean its output layer (possibly itself a nested model).
  const resolve = (p: string): string => {
    // A nested model is expanded once; its later calls (`NAME#k`) mean the same layers.
    const base = p.replace(/#\d+$/, '');
    let name = aliases.has(base) ? base : p;
    for (let hops = 0; aliases.has(name) && hops < 64; hops++) name = aliases.get(name)!;
    return name;
  };
  for (const l of layers) l.parents = l.parents.map(resolve);
  if (layers.length === 0) throw new NetworkError('(file)', 'has no layers', 'config.layers');

  const dims = input?.dims;
  let shape: [number, number, number];
  if (!dims)
    throw new NetworkError(layers[0]!.name, 'the model declares no input shape', 'batch_input_shape');
  if (dims.length === 3) {
    const [h, w] = opts.input ?? [dims[0], dims[1]];
    if (typeof h !== 'number' || typeof w !== 'number' || typeof dims[2] !== 'number') {
      throw new NetworkError(
        '(input)',
        `has an unknown size ${brief(dims)}; pass an input size`,
        'batch_input_shape',
      );
    }
    shape = [h, w, dims[2]];
  } else if (dims.length === 1 && typeof dims[0] === 'number') {
    shape = [1, 1, dims[0]];
  } else {
    throw new NetworkError(
      '(input)',
      `must be [H, W, C] or [F] per example (got ${brief(dims)})`,
      'batch_input_shape',
    );
  }

  // Consumers per node, to know which ZeroPadding2D layers can fold into the layer they feed.
  const consumers = new Map<string, KerasLayer[]>();
  for (const l of layers) for (const p of l.parents) consumers.set(p, [...(consumers.get(p) ?? []), l]);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const folded = new Map<string, { top: number; bottom: number; left: number; right: number }>();
  for (const l of layers) {
    if (l.className !== 'ZeroPadding2D') continue;
    const users = consumers.get(l.name) ?? [];
    const user = users[0];
    if (
      users.length === 1 &&
      user &&
      FOLDS_PADDING.has(user.className) &&
      kerasPadding(user.config, user.name) === 'VALID'
    ) {
      folded.set(user.name, zeroPadding(l.config, l.name));
    }
  }
  const skipped = new Set<string>();
  for (const [userName] of folded) {
    const user = byName.get(userName)!;
    const pad = byName.get(user.parents[0]!)!;
    skipped.add(pad.name);
    user.parents = [...pad.parents];
  }

  const b = new GraphBuilder(shape);
  const kept = layers.filter((x) => !skipped.has(x.name));
  const parentsOf =
    inputName === undefined ? (p: readonly string[]) => [...p] : addInputNode(b, inputName, kept);
  const external = new Set(inputName === undefined ? [] : [inputName]);
  for (const l of topoSort(kept, external)) {
    const parents = parentsOf(l.parents);
    const mapped = mapLayer(l, b.inputShapes(l.name, parents), folded.get(l.name));
    if (mapped.before) {
      b.add(`${l.name}/depthwise`, mapped.before, parents);
      b.add(l.name, mapped.spec, [`${l.name}/depthwise`]);
    } else {
      b.add(l.name, mapped.spec, parents);
    }
  }
  const cfg = isRecord(top['config']) ? top['config'] : {};
  const name = typeof cfg['name'] === 'string' && cfg['name'] !== '' ? cfg['name'] : 'keras';
  return buildNetwork({ name, batch: opts.batch ?? input?.batch ?? 1, input: b.input, nodes: b.nodes() });
}

export function looksLikeKeras(json: unknown): boolean {
  return (
    isRecord(json) &&
    (isRecord(json['modelTopology']) ||
      (typeof json['class_name'] === 'string' && json['config'] !== undefined))
  );
}
