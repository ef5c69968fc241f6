import { NetworkError } from '@neuralpower/core';
import { brief, isRecord, type Json, record, str } from './fields.js';

/**
 * Reading a Keras / TF.js model topology into layers and their parents: Sequential and
 * functional models, Keras 2 and Keras 3 `inbound_nodes`, models nested as layers.
 */
export interface KerasLayer {
  /** Node name: the layer name, with `#k` for the k-th call of a shared layer. */
  name: string;
  className: string;
  config: Json;
  parents: string[];
}

export function unwrapTopology(json: unknown): Json {
  let top = record(json, '(file)', '');
  if (top['modelTopology'] !== undefined) top = record(top['modelTopology'], '(file)', 'modelTopology');
  if (top['model_config'] !== undefined) top = record(top['model_config'], '(file)', 'model_config');
  return top;
}

/** Keras 3 writes call arguments as `__keras_tensor__` objects carrying `keras_history`. */
function kerasHistories(value: unknown, out: [string, number][]): void {
  if (Array.isArray(value)) {
    for (const v of value) kerasHistories(v, out);
    return;
  }
  if (!isRecord(value)) return;
  if (value['class_name'] === '__keras_tensor__' && isRecord(value['config'])) {
    const h = value['config']['keras_history'];
    if (Array.isArray(h) && typeof h[0] === 'string') out.push([h[0], typeof h[1] === 'number' ? h[1] : 0]);
    return;
  }
  for (const v of Object.values(value)) kerasHistories(v, out);
}

const callName = (layer: string, node: number) => (node === 0 ? layer : `${layer}#${node}`);

/** Parents of each call of a functional-model layer, from Keras 2 or Keras 3 `inbound_nodes`. */
function inboundCalls(raw: unknown, layer: string): string[][] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw))
    throw new NetworkError(layer, `must be an array (got ${brief(raw)})`, 'inbound_nodes');
  return raw.map((call, k) => {
    const field = `inbound_nodes[${k}]`;
    if (Array.isArray(call)) {
      // Keras 2: [[name, nodeIndex, tensorIndex, kwargs], ...]
      return call.map((ref, j) => {
        if (!Array.isArray(ref) || typeof ref[0] !== 'string') {
          throw new NetworkError(
            layer,
            `must be [layer, node, tensor, kwargs] (got ${brief(ref)})`,
            `${field}[${j}]`,
          );
        }
        return callName(ref[0], typeof ref[1] === 'number' ? ref[1] : 0);
      });
    }
    if (isRecord(call)) {
      const found: [string, number][] = [];
      kerasHistories(call['args'], found);
      if (found.length === 0) throw new NetworkError(layer, 'names no input tensors', `${field}.args`);
      return found.map(([name, node]) => callName(name, node));
    }
    throw new NetworkError(layer, `must be a list or an object (got ${brief(call)})`, field);
  });
}

function layerList(config: unknown, where: string): Json[] {
  const layers = Array.isArray(config) ? config : isRecord(config) ? config['layers'] : undefined;
  if (!Array.isArray(layers))
    throw new NetworkError('(file)', 'must be an array of layers', `${where}.layers`);
  return layers.map((l, i) => record(l, `layers[${i}]`, ''));
}

function layerName(layer: Json, index: number): string {
  const config = isRecord(layer['config']) ? layer['config'] : {};
  const name = layer['name'] ?? config['name'];
  if (typeof name !== 'string' || name === '') {
    throw new NetworkError(`layers[${index}]`, `must have a name (got ${brief(name)})`, 'name');
  }
  return name;
}

/** [null, H, W, C] / [null, F] from `batch_input_shape`, `batch_shape` (Keras 3) or `input_shape`. */
function declaredInput(config: Json, layer: string): { batch?: number; dims: (number | null)[] } | undefined {
  for (const field of ['batch_input_shape', 'batch_shape', 'input_shape'] as const) {
    const v = config[field];
    if (v === undefined || v === null) continue;
    if (
      !Array.isArray(v) ||
      v.some((d) => d !== null && (typeof d !== 'number' || !Number.isInteger(d) || d <= 0))
    ) {
      throw new NetworkError(layer, `must be a list of positive integers or null (got ${brief(v)})`, field);
    }
    if (field === 'input_shape') return { dims: v };
    return { ...(typeof v[0] === 'number' ? { batch: v[0] } : {}), dims: v.slice(1) };
  }
  return undefined;
}

type DeclaredInput = { batch?: number; dims: (number | null)[] };

interface ModelLayers {
  layers: KerasLayer[];
  /** The functional model's InputLayer; Sequential models read the input implicitly. */
  inputName?: string;
  input?: DeclaredInput;
  /** The node whose output is the model's output (what a reference to a nested model means). */
  output?: string;
}

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

function isNestedModel(layer: Json): boolean {
  return (
    typeof layer['class_name'] === 'string' &&
    MODEL_CLASSES.has(layer['class_name']) &&
    isRecord(layer['config']) &&
    Array.isArray(layer['config']['layers'])
  );
}

/**
 * A model nested as a layer (a Keras application used as a base model) is expanded in place:
 * its layers become `OUTER/INNER`, its input reads what the nested layer reads, and a
 * reference to the nested layer means the nested model's output (recorded in `aliases`).
 */
function expandNested(
  layer: Json,
  name: string,
  entryParents: string[],
  aliases: Map<string, string>,
): ModelLayers {
  const inner = readLayers(layer, `${name}/`, aliases);
  for (const l of inner.layers) {
    l.parents =
      inner.inputName === undefined
        ? l.parents.length === 0
          ? [...entryParents]
          : l.parents
        : l.parents.flatMap((p) => (p === inner.inputName ? entryParents : [p]));
  }
  if (inner.output === undefined) throw new NetworkError(name, 'nested model has no layers', 'config.layers');
  aliases.set(name, inner.output);
  return inner;
}

export function readLayers(top: Json, prefix = '', aliases = new Map<string, string>()): ModelLayers {
  const where = prefix === '' ? '(file)' : prefix.slice(0, -1);
  const className = str(top, where, 'class_name');
  const config = top['config'];
  const layers: KerasLayer[] = [];
  let input: DeclaredInput | undefined;
  if (className === 'Sequential') {
    let prev: string | undefined;
    for (const [i, layer] of layerList(config, 'config').entries()) {
      const name = prefix + layerName(layer, i);
      const cls = str(layer, name, 'class_name');
      const cfg = isRecord(layer['config']) ? layer['config'] : {};
      if (isNestedModel(layer)) {
        const inner = expandNested(layer, name, prev ? [prev] : [], aliases);
        input ??= inner.input;
        layers.push(...inner.layers);
      } else {
        input ??= declaredInput(cfg, name);
        if (cls === 'InputLayer') continue;
        layers.push({ name, className: cls, config: cfg, parents: prev ? [prev] : [] });
      }
      prev = name;
    }
    return { layers, ...(input ? { input } : {}), ...(prev ? { output: prev } : {}) };
  }
  if (className === 'Model' || className === 'Functional') {
    const list = layerList(config, 'config');
    const inputs: string[] = [];
    for (const [i, layer] of list.entries()) {
      const name = prefix + layerName(layer, i);
      const cls = str(layer, name, 'class_name');
      const cfg = isRecord(layer['config']) ? layer['config'] : {};
      if (cls === 'InputLayer') {
        inputs.push(name);
        input ??= declaredInput(cfg, name);
        continue;
      }
      const calls = inboundCalls(layer['inbound_nodes'], name).map((ps) => ps.map((p) => prefix + p));
      if (isNestedModel(layer)) {
        const inner = expandNested(layer, name, calls[0] ?? [], aliases);
        input ??= inner.input;
        layers.push(...inner.layers);
        continue;
      }
      calls.forEach((parents, k) => {
        layers.push({ name: callName(name, k), className: cls, config: cfg, parents });
      });
    }
    if (inputs.length !== 1) {
      throw new NetworkError(
        where,
        `has ${inputs.length} InputLayers; only single-input networks are supported`,
        'config.layers',
      );
    }
    const outputs = isRecord(config) ? config['output_layers'] : undefined;
    const first = Array.isArray(outputs) ? outputs[0] : undefined;
    const output =
      Array.isArray(first) && typeof first[0] === 'string'
        ? prefix + first[0]
        : layers.length > 0
          ? layers[layers.length - 1]!.name
          : undefined;
    return { layers, inputName: inputs[0]!, ...(input ? { input } : {}), ...(output ? { output } : {}) };
  }
  throw new NetworkError(
    where,
    `must be Sequential, Model or Functional (got ${brief(className)})`,
    'class_name',
  );
}
