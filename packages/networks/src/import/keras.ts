import {
  type ActivationFunction,
  buildNetwork,
  type LayerSpec,
  type Network,
  NetworkError,
  type Padding,
  type Shape,
} from '@neuralpower/core';
import { addInputNode, GraphBuilder } from '../graph-builder.js';
import { checkOptions, type NetworkOptions } from '../options.js';
import { brief, int, isRecord, type Json, record, str } from './fields.js';
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

interface KerasLayer {
  /** Node name: the layer name, with `#k` for the k-th call of a shared layer. */
  name: string;
  className: string;
  config: Json;
  parents: string[];
}

function unwrapTopology(json: unknown): Json {
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

function readLayers(top: Json, prefix = '', aliases = new Map<string, string>()): ModelLayers {
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

// ---------------------------------------------------------------------------------------------
// Layer mapping

function pair(config: Json, layer: string, field: string, fallback?: [number, number]): [number, number] {
  const v = config[field] ?? fallback;
  if (typeof v === 'number') return [int(v, layer, field), int(v, layer, field)];
  if (Array.isArray(v) && v.length === 2)
    return [int(v[0], layer, `${field}[0]`), int(v[1], layer, `${field}[1]`)];
  throw new NetworkError(layer, `must be an integer or a pair of integers (got ${brief(v)})`, field);
}

function kerasPadding(config: Json, layer: string): 'SAME' | 'VALID' {
  const p = config['padding'] ?? 'valid';
  if (p === 'same') return 'SAME';
  if (p === 'valid') return 'VALID';
  throw new NetworkError(layer, `must be "same" or "valid" (got ${brief(p)})`, 'padding');
}

function channelsLast(config: Json, layer: string): void {
  const f = config['data_format'];
  if (f !== undefined && f !== null && f !== 'channels_last') {
    throw new NetworkError(layer, `only channels_last is supported (got ${brief(f)})`, 'data_format');
  }
}

function useBias(config: Json): boolean {
  return config['use_bias'] !== false;
}

const ACTIVATIONS: Record<string, ActivationFunction> = {
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  elu: 'elu',
  selu: 'elu',
  leaky_relu: 'leakyrelu',
  leakyrelu: 'leakyrelu',
  swish: 'swish',
  silu: 'swish',
  linear: 'linear',
};

function activationSpec(fn: unknown, className: string): LayerSpec {
  const name =
    typeof fn === 'string'
      ? fn
      : isRecord(fn) && typeof fn['class_name'] === 'string'
        ? fn['class_name']
        : '';
  if (name === 'softmax') return { kind: 'softmax' };
  const mapped = ACTIVATIONS[name.toLowerCase()];
  return mapped
    ? { kind: 'activation', fn: mapped }
    : { kind: 'unsupported', sourceType: `Keras.${className}(${name})` };
}

/** ZeroPadding2D `padding`: n, [h, w] or [[top, bottom], [left, right]]. */
function zeroPadding(
  config: Json,
  layer: string,
): { top: number; bottom: number; left: number; right: number } {
  const v = config['padding'] ?? 1;
  const nn = (x: unknown, field: string) => int(x, layer, field, 0);
  if (typeof v === 'number') {
    const p = nn(v, 'padding');
    return { top: p, bottom: p, left: p, right: p };
  }
  if (Array.isArray(v) && v.length === 2) {
    const [h, w] = v as [unknown, unknown];
    if (Array.isArray(h) && Array.isArray(w) && h.length === 2 && w.length === 2) {
      return {
        top: nn(h[0], 'padding[0][0]'),
        bottom: nn(h[1], 'padding[0][1]'),
        left: nn(w[0], 'padding[1][0]'),
        right: nn(w[1], 'padding[1][1]'),
      };
    }
    const ph = nn(h, 'padding[0]');
    const pw = nn(w, 'padding[1]');
    return { top: ph, bottom: ph, left: pw, right: pw };
  }
  throw new NetworkError(
    layer,
    `must be n, [h, w] or [[top, bottom], [left, right]] (got ${brief(v)})`,
    'padding',
  );
}

/** Keras Reshape `target_shape` (one -1 allowed) as an NHWC shape. */
function reshapeTarget(config: Json, layer: string, input: Shape): Shape {
  const v = config['target_shape'];
  if (!Array.isArray(v) || v.length < 1 || v.length > 3) {
    throw new NetworkError(layer, `must be a list of 1 to 3 dimensions (got ${brief(v)})`, 'target_shape');
  }
  const total = input[0] * input[1] * input[2];
  const dims = v.map((d, i) => {
    if (d === -1 || d === null) return -1;
    return int(d, layer, `target_shape[${i}]`);
  });
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const filled = dims.map((d) => (d === -1 ? total / known : d));
  const padded = [...Array(3 - filled.length).fill(1), ...filled];
  return padded as unknown as Shape;
}

interface Mapped {
  spec: LayerSpec;
  /** A depthwise step that runs before `spec` (SeparableConv2D). */
  before?: LayerSpec;
}

function mapLayer(l: KerasLayer, inputs: Shape[], padding: Padding | undefined): Mapped {
  const { config: c, name } = l;
  const input = inputs[0]!;
  const windowPadding = (): Padding => padding ?? kerasPadding(c, name);
  switch (l.className) {
    case 'Conv2D':
    case 'Convolution2D': {
      channelsLast(c, name);
      const [kh, kw] = pair(c, name, 'kernel_size');
      const [sh, sw] = pair(c, name, 'strides', [1, 1]);
      const [dh, dw] = pair(c, name, 'dilation_rate', [1, 1]);
      return {
        spec: {
          kind: 'conv',
          filters: int(c['filters'], name, 'filters'),
          kernelH: kh,
          kernelW: kw,
          strideH: sh,
          strideW: sw,
          padding: windowPadding(),
          dilationH: dh,
          dilationW: dw,
          groups: c['groups'] === undefined ? 1 : int(c['groups'], name, 'groups'),
          bias: useBias(c),
        },
      };
    }
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      channelsLast(c, name);
      const [kh, kw] = pair(c, name, 'kernel_size');
      const [sh, sw] = pair(c, name, 'strides', [1, 1]);
      const [dh, dw] = pair(c, name, 'dilation_rate', [1, 1]);
      const m =
        c['depth_multiplier'] === undefined ? 1 : int(c['depth_multiplier'], name, 'depth_multiplier');
      const separable = l.className === 'SeparableConv2D';
      const depthwise: LayerSpec = {
        kind: 'conv',
        filters: input[2] * m,
        kernelH: kh,
        kernelW: kw,
        strideH: sh,
        strideW: sw,
        padding: windowPadding(),
        dilationH: dh,
        dilationW: dw,
        groups: input[2],
        bias: separable ? false : useBias(c),
      };
      if (!separable) return { spec: depthwise };
      return {
        before: depthwise,
        spec: {
          kind: 'conv',
          filters: int(c['filters'], name, 'filters'),
          kernelH: 1,
          kernelW: 1,
          strideH: 1,
          strideW: 1,
          padding: 'VALID',
          dilationH: 1,
          dilationW: 1,
          groups: 1,
          bias: useBias(c),
        },
      };
    }
    case 'Dense': {
      const units = int(c['units'], name, 'units');
      // Keras applies Dense to the last axis only: on a feature map that is a 1×1 convolution.
      if (input[0] !== 1 || input[1] !== 1) {
        return {
          spec: {
            kind: 'conv',
            filters: units,
            kernelH: 1,
            kernelW: 1,
            strideH: 1,
            strideW: 1,
            padding: 'VALID',
            dilationH: 1,
            dilationW: 1,
            groups: 1,
            bias: useBias(c),
          },
        };
      }
      return { spec: { kind: 'fc', units, bias: useBias(c) } };
    }
    case 'MaxPooling2D':
    case 'MaxPool2D':
    case 'AveragePooling2D':
    case 'AvgPool2D': {
      channelsLast(c, name);
      const [kh, kw] = pair(c, name, 'pool_size', [2, 2]);
      const [sh, sw] =
        c['strides'] === null || c['strides'] === undefined ? [kh, kw] : pair(c, name, 'strides');
      return {
        spec: {
          kind: 'pool',
          mode: l.className.startsWith('Max') ? 'max' : 'avg',
          kernelH: kh,
          kernelW: kw,
          strideH: sh,
          strideW: sw,
          padding: windowPadding(),
        },
      };
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalAvgPool2D':
      channelsLast(c, name);
      return { spec: { kind: 'globalpool', mode: 'avg' } };
    case 'GlobalMaxPooling2D':
    case 'GlobalMaxPool2D':
      channelsLast(c, name);
      return { spec: { kind: 'globalpool', mode: 'max' } };
    case 'BatchNormalization': {
      const axis = c['axis'] ?? -1;
      const last =
        axis === -1 ||
        axis === 3 ||
        (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3));
      if (!last)
        throw new NetworkError(name, `only the channel axis (-1) is supported (got ${brief(axis)})`, 'axis');
      return { spec: { kind: 'batchnorm' } };
    }
    case 'Activation':
      return { spec: activationSpec(c['activation'], l.className) };
    case 'ReLU': {
      const max = c['max_value'];
      const slope = c['negative_slope'];
      if (typeof slope === 'number' && slope > 0) return { spec: { kind: 'activation', fn: 'leakyrelu' } };
      if (max === 6) return { spec: { kind: 'activation', fn: 'relu6' } };
      if (max === null || max === undefined) return { spec: { kind: 'activation', fn: 'relu' } };
      return { spec: { kind: 'unsupported', sourceType: `Keras.ReLU(max_value=${brief(max)})` } };
    }
    case 'LeakyReLU':
      return { spec: { kind: 'activation', fn: 'leakyrelu' } };
    case 'ELU':
      return { spec: { kind: 'activation', fn: 'elu' } };
    case 'Softmax':
      return { spec: { kind: 'softmax' } };
    case 'Add':
      return { spec: { kind: 'add' } };
    case 'Concatenate': {
      const axis = c['axis'] ?? -1;
      if (axis !== -1 && axis !== 3) {
        throw new NetworkError(
          name,
          `only channel concatenation (axis -1) is supported (got ${brief(axis)})`,
          'axis',
        );
      }
      return { spec: { kind: 'concat' } };
    }
    case 'Dropout':
    case 'SpatialDropout2D': {
      const rate = c['rate'] ?? 0;
      if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
        throw new NetworkError(name, `must be a number in [0, 1) (got ${brief(rate)})`, 'rate');
      }
      return { spec: { kind: 'dropout', rate } };
    }
    case 'Flatten':
      return { spec: { kind: 'flatten' } };
    case 'ZeroPadding2D':
      channelsLast(c, name);
      return { spec: { kind: 'pad', ...zeroPadding(c, name) } };
    case 'Reshape': {
      // Reshape to one dimension is a flatten.
      const target = c['target_shape'];
      if (Array.isArray(target) && target.length === 1) {
        reshapeTarget(c, name, input);
        return { spec: { kind: 'flatten' } };
      }
      return { spec: { kind: 'reshape', shape: reshapeTarget(c, name, input) } };
    }
    default:
      return { spec: { kind: 'unsupported', sourceType: `Keras.${l.className}` } };
  }
}

const FOLDS_PADDING = new Set([
  'Conv2D',
  'Convolution2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'MaxPooling2D',
  'MaxPool2D',
  'AveragePooling2D',
  'AvgPool2D',
]);

export function importKeras(json: unknown, opts: NetworkOptions = {}): Network {
  checkOptions(opts);
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
