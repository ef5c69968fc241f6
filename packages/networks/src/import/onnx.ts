import {
  buildNetwork,
  elementCount,
  type LayerSpec,
  type Network,
  NetworkError,
  type Shape,
} from '@neuralpower/core';
import { GraphBuilder } from '../graph-builder.js';
import { checkOptions, type NetworkOptions } from '../options.js';
import { brief } from './fields.js';
import {
  attr,
  attrFloat,
  attrInt,
  attrInts,
  attrString,
  ceilPadding,
  padding,
  pair,
  type Rank,
  tensorValues,
  type Value,
} from './onnx-attributes.js';
import { decodeOnnx, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-schema.js';

/**
 * ONNX (`.onnx` protobuf, decoded with protobufjs and the ONNX schema in `onnx.proto`).
 * Activations are NCHW in ONNX and NHWC here: a tensor [N, C, H, W] is the shape [H, W, C], a
 * flat [N, F] is [1, 1, F]. Layer parameters come from initializer dims (weights are never
 * read, so external-data models import without their weight files). Shape-computing
 * subgraphs (Shape → Gather → Concat → Reshape, as PyTorch exports `x.view(n, -1)`) are
 * recognised and skipped. One ONNX node becomes one node, except that Identity is dropped and
 * a MatMul followed only by a bias Add becomes one fully connected layer.
 */

/** Operators whose inputs after the first are parameters (weights, statistics, bounds). */
const PARAMETER_OPS = new Set(['Conv', 'Gemm', 'MatMul', 'BatchNormalization', 'Clip', 'Dropout']);
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
const sameInts = (a: number[] | undefined, b: number[]) =>
  a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

export function importOnnx(bytes: Uint8Array, opts: NetworkOptions = {}): Network {
  checkOptions(opts);
  let model: OnnxModel;
  try {
    model = decodeOnnx(bytes);
  } catch (err) {
    throw new NetworkError(
      '(file)',
      `is not an ONNX model (protobuf decoding failed: ${(err as Error).message})`,
    );
  }
  const graph = model.graph;
  if (!graph || graph.node.length === 0) throw new NetworkError('(file)', 'has no graph nodes', 'graph');

  const consts = new Map<string, OnnxTensor>();
  for (const t of graph.initializer) if (t.name) consts.set(t.name, t);
  // Old exporters list weights as graph inputs without initializers: a graph input read only
  // in a parameter position (Conv weights, BatchNormalization statistics, ...) is a weight,
  // known by the dims its value info declares.
  const readers = new Map<string, { node: OnnxNode; index: number }[]>();
  graph.node.forEach((n) => {
    n.input.forEach((x, index) => {
      if (x) readers.set(x, [...(readers.get(x) ?? []), { node: n, index }]);
    });
  });
  for (const i of graph.input) {
    if (!i.name || consts.has(i.name)) continue;
    const uses = readers.get(i.name) ?? [];
    if (uses.length > 0 && uses.every((u) => u.index > 0 && PARAMETER_OPS.has(u.node.opType ?? ''))) {
      const dims = (i.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimValue ?? 0);
      consts.set(i.name, {
        name: i.name,
        dims,
        floatData: [],
        int32Data: [],
        int64Data: [],
        doubleData: [],
        externalData: [],
      });
    }
  }
  const dataInputs = graph.input.filter((i) => i.name && !consts.has(i.name));
  if (dataInputs.length !== 1) {
    throw new NetworkError(
      '(file)',
      `needs exactly one non-initializer graph input (found ${dataInputs.length}: ${dataInputs.map((i) => i.name).join(', ')})`,
      'graph.input',
    );
  }
  const inputInfo = dataInputs[0]!;
  const inputName = inputInfo.name!;
  const dims = (inputInfo.type?.tensorType?.shape?.dim ?? []).map((d) =>
    d.dimValue && d.dimValue > 0 ? d.dimValue : null,
  );
  let input: Shape;
  let inputRank: Rank;
  // Converters from TensorFlow (tf2onnx) keep an NHWC graph input and transpose it to NCHW
  // first; shapes here are layout-free, so such transposes only tell how to read the input.
  const nhwcInput = (readers.get(inputName) ?? []).some(
    (u) => u.node.opType === 'Transpose' && sameInts(attrInts(u.node, 'perm'), TO_NCHW),
  );
  if (dims.length === 4) {
    const [, c, h, w] = nhwcInput ? [dims[0], dims[3], dims[1], dims[2]] : dims;
    const [ih, iw] = opts.input ?? [h, w];
    if (!c || !ih || !iw) {
      throw new NetworkError(
        inputName,
        `has an unknown size ${brief(dims)}; pass an input size`,
        'type.shape',
      );
    }
    input = [ih, iw, c];
    inputRank = 4;
  } else if (dims.length === 2 && dims[1]) {
    input = [1, 1, dims[1]];
    inputRank = 2;
  } else {
    throw new NetworkError(inputName, `must be [N, C, H, W] or [N, F] (got ${brief(dims)})`, 'type.shape');
  }
  const batch = opts.batch ?? dims[0] ?? 1;

  const b = new GraphBuilder(input);
  const values = new Map<string, Value>([[inputName, { node: '', rank: inputRank }]]);
  const shapeValues = new Set<string>();
  const foldedAdds = new Set<OnnxNode>();
  const used = new Set<string>();
  let inputNode: string | undefined;

  const uniqueName = (wanted: string): string => {
    let name = wanted;
    for (let k = 1; used.has(name) || name === inputName; k++) name = `${wanted}_${k}`;
    used.add(name);
    return name;
  };

  graph.node.forEach((node, index) => {
    const op = node.opType ?? '';
    const outputs = node.output.filter((o) => o !== '');
    if (op === 'Constant') {
      const t = attr(node, 'value')?.t;
      if (t && outputs[0]) consts.set(outputs[0], t);
      else for (const o of outputs) shapeValues.add(o);
      return;
    }
    const name = uniqueName(node.name || `${op}_${index}`);
    const computed = node.input.map((x, i) => ({ x, i })).filter(({ x }) => x !== '' && !consts.has(x));
    // Shape arithmetic (on Shape outputs and constants) computes no activations: skip it.
    if (op === 'Shape' || computed.every(({ x }) => shapeValues.has(x))) {
      for (const o of outputs) shapeValues.add(o);
      return;
    }
    // Activations only; a shape operand (Reshape's target) is not a parent.
    const data = computed.filter(({ x }) => !shapeValues.has(x));
    if (foldedAdds.has(node)) return;
    const parents: Value[] = data.map(({ x, i }) => {
      const v = values.get(x);
      if (!v) {
        throw new NetworkError(
          name,
          `reads ${JSON.stringify(x)}, which no earlier node or graph input produces`,
          `input[${i}]`,
        );
      }
      return v;
    });
    const constInput = (i: number, what: string): OnnxTensor => {
      const t = consts.get(node.input[i] ?? '');
      if (!t) throw new NetworkError(name, `${what} must be an initializer or Constant`, `input[${i}]`);
      return t;
    };
    // The core cannot name the network input next to other parents: give it an identity node then.
    let parentNames = parents.map((p) => p.node);
    if (parentNames.includes('') && parentNames.length > 1) {
      inputNode ??= b.add(uniqueName(inputName), { kind: 'reshape', shape: input }, []);
      parentNames = parentNames.map((p) => (p === '' ? inputNode! : p));
    } else if (parentNames.length === 1 && parentNames[0] === '') {
      parentNames = [];
    }
    const inShape = b.inputShapes(name, parentNames)[0]!;
    const rank = parents[0]?.rank ?? inputRank;
    let out: { spec: LayerSpec; rank: Rank } | { alias: Value };

    switch (op) {
      case 'Conv': {
        const w = constInput(1, 'the weight tensor');
        if (w.dims.length !== 4)
          throw new NetworkError(name, `weights must be 4-D (got dims ${brief(w.dims)})`, 'input[1]');
        const [m, cg, kh, kw] = w.dims as [number, number, number, number];
        const group = attrInt(node, 'group', 1);
        if (cg * group !== inShape[2]) {
          throw new NetworkError(
            name,
            `weights [${w.dims.join(', ')}] with group ${group} expect ${cg * group} input channels, the input has ${inShape[2]}`,
            'input[1]',
          );
        }
        const kernel = pair(attrInts(node, 'kernel_shape'), name, 'kernel_shape', [kh, kw]);
        const stride = pair(attrInts(node, 'strides'), name, 'strides', [1, 1]);
        const dilation = pair(attrInts(node, 'dilations'), name, 'dilations', [1, 1]);
        out = {
          rank: 4,
          spec: {
            kind: 'conv',
            filters: m,
            kernelH: kernel[0],
            kernelW: kernel[1],
            strideH: stride[0],
            strideW: stride[1],
            padding: padding(node, name, inShape, kernel, stride, dilation),
            dilationH: dilation[0],
            dilationW: dilation[1],
            groups: group,
            bias: (node.input[2] ?? '') !== '',
          },
        };
        break;
      }
      case 'Gemm': {
        const w = constInput(1, 'B (the weight matrix)');
        if (w.dims.length !== 2)
          throw new NetworkError(name, `B must be 2-D (got dims ${brief(w.dims)})`, 'input[1]');
        if (attrInt(node, 'transA', 0) !== 0) {
          out = { rank: 2, spec: { kind: 'unsupported', sourceType: 'ONNX.Gemm(transA)' } };
          break;
        }
        const transB = attrInt(node, 'transB', 0) !== 0;
        const [k, units] = transB ? [w.dims[1]!, w.dims[0]!] : [w.dims[0]!, w.dims[1]!];
        if (k !== elementCount(inShape)) {
          throw new NetworkError(
            name,
            `B expects ${k} inputs per example, the input has ${elementCount(inShape)}`,
            'input[1]',
          );
        }
        out = { rank: 2, spec: { kind: 'fc', units, bias: (node.input[2] ?? '') !== '' } };
        break;
      }
      case 'MatMul': {
        const w = consts.get(node.input[1] ?? '');
        if (w?.dims.length !== 2) {
          out = { rank, spec: { kind: 'unsupported', sourceType: 'ONNX.MatMul' } };
          break;
        }
        // The bias Add folds in only when it is the MatMul's sole reader.
        const sole = readers.get(outputs[0] ?? '') ?? [];
        const add = sole.length === 1 && sole[0]!.node.opType === 'Add' ? sole[0]!.node : undefined;
        const bias = add?.input.some((x) => consts.has(x)) === true;
        if (add && bias) foldedAdds.add(add);
        out = { rank: 2, spec: { kind: 'fc', units: w.dims[1]!, bias } };
        if (add && bias) for (const o of add.output) values.set(o, { node: name, rank: 2 });
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const kernel = pair(attrInts(node, 'kernel_shape'), name, 'kernel_shape', [0, 0]);
        if (kernel[0] === 0) throw new NetworkError(name, 'is required', 'kernel_shape');
        const stride = pair(attrInts(node, 'strides'), name, 'strides', [1, 1]);
        let p = padding(node, name, inShape, kernel, stride, [1, 1]);
        if (attrInt(node, 'ceil_mode', 0) !== 0) p = ceilPadding(p, inShape, kernel, stride);
        out = {
          rank: 4,
          spec: {
            kind: 'pool',
            mode: op === 'MaxPool' ? 'max' : 'avg',
            kernelH: kernel[0],
            kernelW: kernel[1],
            strideH: stride[0],
            strideW: stride[1],
            padding: p,
          },
        };
        break;
      }
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
        out = { rank: 4, spec: { kind: 'globalpool', mode: op === 'GlobalMaxPool' ? 'max' : 'avg' } };
        break;
      case 'Relu':
        out = { rank, spec: { kind: 'activation', fn: 'relu' } };
        break;
      case 'Clip': {
        const bound = (i: number, attrName: string): number | undefined => {
          const x = node.input[i];
          if (x) {
            const t = consts.get(x);
            return t ? tensorValues(t, name, `input[${i}]`)[0] : Number.NaN;
          }
          return attrFloat(node, attrName);
        };
        const lo = bound(1, 'min');
        const hi = bound(2, 'max');
        const fn = lo === 0 && hi === 6 ? 'relu6' : lo === 0 && hi === undefined ? 'relu' : undefined;
        out = {
          rank,
          spec: fn
            ? { kind: 'activation', fn }
            : { kind: 'unsupported', sourceType: `ONNX.Clip(${lo}, ${hi})` },
        };
        break;
      }
      case 'LeakyRelu':
        out = { rank, spec: { kind: 'activation', fn: 'leakyrelu' } };
        break;
      case 'Sigmoid':
        out = { rank, spec: { kind: 'activation', fn: 'sigmoid' } };
        break;
      case 'Tanh':
        out = { rank, spec: { kind: 'activation', fn: 'tanh' } };
        break;
      case 'Elu':
        out = { rank, spec: { kind: 'activation', fn: 'elu' } };
        break;
      case 'BatchNormalization':
        out = { rank, spec: { kind: 'batchnorm' } };
        break;
      case 'Add':
      case 'Sum':
        out =
          parents.length >= 2
            ? { rank, spec: { kind: 'add' } }
            : { rank, spec: { kind: 'unsupported', sourceType: `ONNX.${op}(constant)` } };
        break;
      case 'Concat': {
        const axis = attrInt(node, 'axis', 1);
        const channel = rank === 4 ? axis === 1 || axis === -3 : axis === 1 || axis === -1;
        if (!channel) {
          throw new NetworkError(
            name,
            `only channel concatenation (axis 1) is supported (got ${axis})`,
            'axis',
          );
        }
        out = { rank, spec: { kind: 'concat' } };
        break;
      }
      case 'Flatten': {
        const axis = attrInt(node, 'axis', 1);
        if (axis !== 1) throw new NetworkError(name, `only axis 1 is supported (got ${axis})`, 'axis');
        out = { rank: 2, spec: { kind: 'flatten' } };
        break;
      }
      case 'Reshape': {
        const t = consts.get(node.input[1] ?? '');
        if (!t) {
          // A shape computed at run time: PyTorch's `x.view(x.size(0), -1)`, i.e. a flatten.
          out = { rank: 2, spec: { kind: 'flatten' } };
          break;
        }
        const target = tensorValues(t, name, 'input[1]');
        const source =
          rank === 4 ? [batch, inShape[2], inShape[0], inShape[1]] : [batch, elementCount(inShape)];
        const resolved = target.map((d, i) => (d === 0 ? (source[i] ?? Number.NaN) : d));
        const known = resolved.filter((d) => d !== -1).reduce((a, x) => a * x, 1);
        const total = batch * elementCount(inShape);
        const full = resolved.map((d) => (d === -1 ? total / known : d));
        if (full.some((d) => !Number.isInteger(d) || d <= 0) || full.reduce((a, x) => a * x, 1) !== total) {
          throw new NetworkError(name, `cannot reshape ${total} elements to ${brief(target)}`, 'input[1]');
        }
        if (full.length === 2) out = { rank: 2, spec: { kind: 'flatten' } };
        else if (full.length === 4)
          out = { rank: 4, spec: { kind: 'reshape', shape: [full[2]!, full[3]!, full[1]!] } };
        else out = { rank, spec: { kind: 'unsupported', sourceType: `ONNX.Reshape(rank ${full.length})` } };
        break;
      }
      case 'Dropout': {
        const x = node.input[1];
        const ratio = x
          ? tensorValues(constInput(1, 'ratio'), name, 'input[1]')[0]
          : (attrFloat(node, 'ratio') ?? 0.5);
        if (ratio === undefined || !(ratio >= 0 && ratio < 1)) {
          throw new NetworkError(name, `must be in [0, 1) (got ${brief(ratio)})`, 'ratio');
        }
        out = { rank, spec: { kind: 'dropout', rate: ratio } };
        break;
      }
      case 'Softmax':
        out = { rank, spec: { kind: 'softmax' } };
        break;
      case 'LRN':
        out = {
          rank,
          spec: { kind: 'lrn', depthRadius: Math.max(1, Math.floor((attrInt(node, 'size', 5) - 1) / 2)) },
        };
        break;
      case 'Pad': {
        const pads = node.input[1]
          ? tensorValues(constInput(1, 'pads'), name, 'input[1]')
          : attrInts(node, 'pads');
        const mode = attrString(node, 'mode') ?? 'constant';
        if (
          rank !== 4 ||
          !pads ||
          pads.length !== 8 ||
          pads[0] ||
          pads[1] ||
          pads[4] ||
          pads[5] ||
          mode !== 'constant'
        ) {
          out = { rank, spec: { kind: 'unsupported', sourceType: 'ONNX.Pad' } };
          break;
        }
        out = {
          rank,
          spec: { kind: 'pad', top: pads[2]!, left: pads[3]!, bottom: pads[6]!, right: pads[7]! },
        };
        break;
      }
      case 'Transpose': {
        // NHWC ↔ NCHW layout changes leave the [H, W, C] shape as it is.
        const perm = attrInts(node, 'perm');
        if (rank === 4 && (sameInts(perm, TO_NCHW) || sameInts(perm, TO_NHWC))) {
          out = { alias: parents[0] ?? { node: '', rank } };
        } else {
          out = { rank, spec: { kind: 'unsupported', sourceType: 'ONNX.Transpose' } };
        }
        break;
      }
      case 'Squeeze':
      case 'Unsqueeze':
        // Dropping or adding the unit spatial dims of [N, C, 1, 1] / [N, C]: shape [1, 1, C] either way.
        if (inShape[0] === 1 && inShape[1] === 1) {
          out =
            op === 'Squeeze' && rank === 4
              ? { rank: 2, spec: { kind: 'flatten' } }
              : { alias: { ...(parents[0] ?? { node: '', rank }), rank: op === 'Squeeze' ? 2 : 4 } };
        } else {
          out = { rank, spec: { kind: 'unsupported', sourceType: `ONNX.${op}` } };
        }
        break;
      case 'Identity':
        out = { alias: parents[0] ?? { node: '', rank: inputRank } };
        break;
      default:
        out = { rank, spec: { kind: 'unsupported', sourceType: `ONNX.${op || '(no op_type)'}` } };
    }

    if ('alias' in out) {
      for (const o of outputs) values.set(o, out.alias);
      return;
    }
    b.add(name, out.spec, parentNames);
    if (outputs[0]) values.set(outputs[0], { node: name, rank: out.rank });
  });

  return buildNetwork({ name: graph.name || 'onnx', batch, input: b.input, nodes: b.nodes() });
}
