import {
  buildNetwork,
  fc,
  type LayerSpec,
  type Network,
  NetworkError,
  type Padding,
  type Shape,
} from '@neuralpower/core';
import { addInputNode, GraphBuilder } from '../graph-builder.js';
import { checkOptions, type NetworkOptions } from '../options.js';
import { checkJsonDepth } from './depth.js';
import { brief, int, intArray, isRecord, type Json, record, str, stringArray } from './fields.js';
import { topoSort } from './order.js';

/**
 * Paleo JSON (the NeuralPower paper's format): `{name, layers: {NAME: {type, parents, ...}}}`,
 * NHWC, `filter [k_h, k_w, C_in, C_out]` (C_in -1 = inferred), `strides`/`ksize` `[1, s_h, s_w, 1]`.
 * One Paleo layer becomes one node: `activation_fn` / `normalizer_fn` stay fused into the
 * convolution, as Paleo and the paper profile them. `Block` layers are expanded into
 * `BLOCK/INNER` nodes; a reference to the block itself means its `endpoint`.
 */
interface FlatLayer {
  name: string;
  def: Json;
  parents: string[];
}

function flatten(layers: Json, prefix: string, blockParents: string[], out: FlatLayer[]): void {
  for (const [inner, raw] of Object.entries(layers)) {
    const name = prefix + inner;
    const def = record(raw, name, '');
    const type = str(def, name, 'type');
    const ownParents = def['parents'] === undefined ? [] : stringArray(def['parents'], name, 'parents');
    // Inside a block, parents are block-relative; an empty list means the block's own inputs.
    const parents =
      prefix === '' ? ownParents : ownParents.length === 0 ? blockParents : ownParents.map((p) => prefix + p);
    if (type === 'Block') {
      flatten(record(def['layers'], name, 'layers'), `${name}/`, parents, out);
      out.push({ name, def, parents: [`${name}/${str(def, name, 'endpoint')}`] });
    } else {
      out.push({ name, def, parents });
    }
  }
}

function padding(def: Json, layer: string): Padding {
  const p = def['padding'] ?? 'SAME';
  if (p === 'SAME' || p === 'VALID') return p;
  throw new NetworkError(layer, `must be "SAME" or "VALID" (got ${brief(p)})`, 'padding');
}

/** `[1, a, b, 1]` → [a, b]; the batch and channel entries must be 1. */
function window(def: Json, layer: string, field: string, fallback?: number[]): [number, number] {
  const raw = def[field] ?? fallback;
  const v = intArray(raw, layer, field, 4);
  if (v[0] !== 1 || v[3] !== 1) {
    throw new NetworkError(layer, `must be [1, h, w, 1] (got ${brief(raw)})`, field);
  }
  return [int(v[1], layer, `${field}[1]`), int(v[2], layer, `${field}[2]`)];
}

function convSpec(def: Json, layer: string, input: Shape): LayerSpec {
  const filter = intArray(def['filter'], layer, 'filter', 4);
  const [kh, kw, cin, cout] = filter as [number, number, number, number];
  int(kh, layer, 'filter[0]');
  int(kw, layer, 'filter[1]');
  int(cout, layer, 'filter[3]');
  if (cin !== -1 && cin !== input[2]) {
    throw new NetworkError(layer, `C_in ${cin} does not match the input's ${input[2]} channels`, 'filter[2]');
  }
  const [sh, sw] = window(def, layer, 'strides', [1, 1, 1, 1]);
  const pad = padding(def, layer);
  const bias = def['bias'] !== null && def['bias'] !== false;
  // Fully connected layers written as convolutions: the kernel covers the whole input.
  const coversInput =
    (pad === 'VALID' && kh === input[0] && kw === input[1]) ||
    (input[0] === 1 && input[1] === 1 && kh === 1 && kw === 1);
  if (coversInput) return fc(cout, bias);
  return {
    kind: 'conv',
    filters: cout,
    kernelH: kh,
    kernelW: kw,
    strideH: sh,
    strideW: sw,
    padding: pad,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    bias,
  };
}

function poolSpec(def: Json, layer: string, mode: 'max' | 'avg'): LayerSpec {
  const [kh, kw] = window(def, layer, 'ksize');
  const [sh, sw] = window(def, layer, 'strides', [1, kh, kw, 1]);
  return {
    kind: 'pool',
    mode,
    kernelH: kh,
    kernelW: kw,
    strideH: sh,
    strideW: sw,
    padding: padding(def, layer),
  };
}

function mapLayer(type: string, def: Json, layer: string, inputs: Shape[]): LayerSpec {
  const input = inputs[0]!;
  switch (type) {
    case 'Convolution':
      return convSpec(def, layer, input);
    case 'Pooling': {
      const mode = def['pool_type'] ?? def['mode'] ?? 'max';
      if (mode !== 'max' && mode !== 'avg' && mode !== 'MAX' && mode !== 'AVG') {
        throw new NetworkError(layer, `must be max or avg (got ${brief(mode)})`, 'pool_type');
      }
      return poolSpec(def, layer, String(mode).toLowerCase() as 'max' | 'avg');
    }
    case 'AvgPool':
      return poolSpec(def, layer, 'avg');
    case 'MaxPool':
      return poolSpec(def, layer, 'max');
    case 'InnerProduct':
      return fc(int(def['num_outputs'], layer, 'num_outputs'), def['bias'] !== false);
    case 'Dropout': {
      const keep = def['dropout_keep_prob'] ?? 0.5;
      if (typeof keep !== 'number' || !(keep > 0 && keep <= 1)) {
        throw new NetworkError(layer, `must be a number in (0, 1] (got ${brief(keep)})`, 'dropout_keep_prob');
      }
      return { kind: 'dropout', rate: 1 - keep };
    }
    case 'Softmax':
      return { kind: 'softmax' };
    case 'LRN':
      return {
        kind: 'lrn',
        depthRadius: def['depth_radius'] === undefined ? 2 : int(def['depth_radius'], layer, 'depth_radius'),
      };
    case 'BatchNorm':
      return { kind: 'batchnorm' };
    case 'Elementwise':
      return { kind: 'add' };
    case 'Concatenate': {
      const dim = def['dim'] ?? 3;
      if (dim !== 3 && dim !== -1) {
        throw new NetworkError(
          layer,
          `only channel concatenation (dim 3) is supported (got ${brief(dim)})`,
          'dim',
        );
      }
      return { kind: 'concat' };
    }
    case 'Reshape': {
      const shape = def['output_shape'];
      if (
        Array.isArray(shape) &&
        shape.length === 4 &&
        shape.slice(1).every((d) => typeof d === 'number' && d > 0)
      ) {
        return { kind: 'reshape', shape: [shape[1], shape[2], shape[3]] as unknown as Shape };
      }
      if (Array.isArray(shape) && shape.length === 2) return { kind: 'flatten' };
      throw new NetworkError(layer, `must be [N, F] or [N, H, W, C] (got ${brief(shape)})`, 'output_shape');
    }
    default:
      return { kind: 'unsupported', sourceType: `Paleo.${type}` };
  }
}

export function importPaleo(json: unknown, opts: NetworkOptions = {}): Network {
  checkOptions(opts);
  checkJsonDepth(json, 'Paleo');
  const root = record(json, '(file)', '');
  const layers = record(root['layers'], '(file)', 'layers');
  const flat: FlatLayer[] = [];
  flatten(layers, '', [], flat);

  const inputs = flat.filter((l) => l.def['type'] === 'Input');
  if (inputs.length !== 1) {
    throw new NetworkError('(file)', `needs exactly one Input layer (found ${inputs.length})`, 'layers');
  }
  const inputLayer = inputs[0]!;
  const tensor = intArray(inputLayer.def['tensor'], inputLayer.name, 'tensor', 4);
  for (const [i, d] of tensor.entries()) int(d, inputLayer.name, `tensor[${i}]`);
  const [n, h, w, c] = tensor as [number, number, number, number];
  const [ih, iw] = opts.input ?? [h, w];

  // Block aliases collapse onto their endpoint so the network lists only real layers.
  const alias = new Map<string, string>();
  for (const l of flat) if (l.def['type'] === 'Block') alias.set(l.name, l.parents[0]!);
  const resolve = (p: string): string => {
    let name = p;
    for (let hops = 0; alias.has(name) && hops < 64; hops++) name = alias.get(name)!;
    return name;
  };
  const real = flat
    .filter((l) => l.def['type'] !== 'Block')
    .map((l) => ({ ...l, parents: l.parents.map(resolve) }));

  const b = new GraphBuilder([ih, iw, c]);
  const others = real.filter((l) => l.name !== inputLayer.name);
  const parentsOf = addInputNode(b, inputLayer.name, others);
  for (const l of topoSort(others, new Set([inputLayer.name]))) {
    if (l.parents.length === 0) throw new NetworkError(l.name, 'has no parents', 'parents');
    const parents = parentsOf(l.parents);
    const type = str(l.def, l.name, 'type');
    const spec = mapLayer(type, l.def, l.name, b.inputShapes(l.name, parents));
    b.add(l.name, spec, parents);
  }
  const name = typeof root['name'] === 'string' && root['name'] !== '' ? root['name'] : 'paleo';
  return buildNetwork({ name, batch: opts.batch ?? n, input: b.input, nodes: b.nodes() });
}

export function looksLikePaleo(json: unknown): boolean {
  return isRecord(json) && isRecord(json['layers']);
}
