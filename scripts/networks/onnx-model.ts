/**
 * Writes a neuralpower Network as an ONNX model (opset 13), encoded by protobufjs with the same
 * `onnx.proto` schema the importer decodes with: the project's own source of ONNX test files.
 * Weights are declared as external data (dims, no values), the ONNX way of keeping large
 * tensors outside the model file, so the files stay small; the importer reads dims only.
 */
import { type LayerSpec, type Network, type NetworkLayer, windowAxis } from '@neuralpower/core';
import { encodeOnnx, TENSOR_FLOAT, TENSOR_INT64 } from '../../packages/networks/src/import/onnx-schema.js';

type Obj = Record<string, unknown>;

const ints = (name: string, values: number[]): Obj => ({ name, type: 7, ints: values });
const int = (name: string, value: number): Obj => ({ name, type: 2, i: value });
const str = (name: string, value: string): Obj => ({ name, type: 3, s: new TextEncoder().encode(value) });

class OnnxWriter {
  readonly nodes: Obj[] = [];
  readonly initializers: Obj[] = [];
  private offset = 0;

  /** A float weight stored externally: dims only in the model file. */
  weight(name: string, dims: number[]): string {
    const length = 4 * dims.reduce((a, b) => a * b, 1);
    this.initializers.push({
      name,
      dims,
      dataType: TENSOR_FLOAT,
      dataLocation: 1,
      externalData: [
        { key: 'location', value: 'weights.bin' },
        { key: 'offset', value: String(this.offset) },
        { key: 'length', value: String(length) },
      ],
    });
    this.offset += length;
    return name;
  }

  /** A small constant stored inline (shapes, clip bounds, ratios). */
  constant(name: string, values: number[], dataType: number, dims: number[] = [values.length]): string {
    const bytes = new Uint8Array(values.length * (dataType === TENSOR_INT64 ? 8 : 4));
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => {
      if (dataType === TENSOR_INT64) view.setBigInt64(8 * i, BigInt(v), true);
      else view.setFloat32(4 * i, v, true);
    });
    this.initializers.push({ name, dims, dataType, rawData: bytes });
    return name;
  }

  node(name: string, opType: string, input: string[], attribute: Obj[] = []): void {
    this.nodes.push({ name, opType, input, output: [name], attribute });
  }
}

/** ONNX `pads` [top, left, bottom, right] or `auto_pad` for a window layer. */
function padAttributes(spec: Extract<LayerSpec, { padding: unknown }>): Obj[] {
  if (spec.padding === 'SAME') return [str('auto_pad', 'SAME_UPPER')];
  if (spec.padding === 'VALID') return [str('auto_pad', 'VALID')];
  const p = spec.padding;
  return [ints('pads', [p.top, p.left, p.bottom, p.right])];
}

function emit(w: OnnxWriter, l: NetworkLayer, input: (p: string) => string, batch: number): void {
  const { spec, name } = l;
  const from = l.parents.length === 0 ? ['input'] : l.parents.map(input);
  const cin = l.inputs[0]![2];
  switch (spec.kind) {
    case 'conv': {
      const weights = w.weight(`${name}.weight`, [
        spec.filters,
        cin / spec.groups,
        spec.kernelH,
        spec.kernelW,
      ]);
      const bias = spec.bias ? [w.weight(`${name}.bias`, [spec.filters])] : [];
      // Checks the padding is valid for this input (throws like the core would).
      windowAxis(name, l.inputs[0]![0], spec.kernelH, spec.strideH, spec.dilationH, spec.padding, 'h');
      w.node(
        name,
        'Conv',
        [from[0]!, weights, ...bias],
        [
          ints('kernel_shape', [spec.kernelH, spec.kernelW]),
          ints('strides', [spec.strideH, spec.strideW]),
          ints('dilations', [spec.dilationH, spec.dilationW]),
          int('group', spec.groups),
          ...padAttributes(spec),
        ],
      );
      return;
    }
    case 'fc': {
      const fanIn = l.inputs[0]![0] * l.inputs[0]![1] * cin;
      const weights = w.weight(`${name}.weight`, [spec.units, fanIn]);
      const bias = spec.bias ? [w.weight(`${name}.bias`, [spec.units])] : [];
      w.node(name, 'Gemm', [from[0]!, weights, ...bias], [int('transB', 1)]);
      return;
    }
    case 'pool':
      w.node(name, spec.mode === 'max' ? 'MaxPool' : 'AveragePool', from, [
        ints('kernel_shape', [spec.kernelH, spec.kernelW]),
        ints('strides', [spec.strideH, spec.strideW]),
        ...padAttributes(spec),
      ]);
      return;
    case 'globalpool':
      w.node(name, spec.mode === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', from);
      return;
    case 'activation': {
      const ops: Partial<Record<typeof spec.fn, string>> = {
        relu: 'Relu',
        sigmoid: 'Sigmoid',
        tanh: 'Tanh',
        elu: 'Elu',
        leakyrelu: 'LeakyRelu',
      };
      if (spec.fn === 'relu6') {
        const lo = w.constant(`${name}.min`, [0], TENSOR_FLOAT, []);
        const hi = w.constant(`${name}.max`, [6], TENSOR_FLOAT, []);
        w.node(name, 'Clip', [from[0]!, lo, hi]);
        return;
      }
      const op = ops[spec.fn];
      if (!op) throw new Error(`${name}: activation ${spec.fn} has no ONNX operator here`);
      w.node(name, op, from);
      return;
    }
    case 'batchnorm': {
      const params = ['scale', 'bias', 'mean', 'var'].map((p) => w.weight(`${name}.${p}`, [cin]));
      w.node(name, 'BatchNormalization', [from[0]!, ...params]);
      return;
    }
    case 'add':
      w.node(name, 'Add', from);
      return;
    case 'concat':
      w.node(name, 'Concat', from, [int('axis', 1)]);
      return;
    case 'dropout':
      w.node(name, 'Dropout', [from[0]!, w.constant(`${name}.ratio`, [spec.rate], TENSOR_FLOAT, [])]);
      return;
    case 'flatten':
      w.node(name, 'Flatten', from, [int('axis', 1)]);
      return;
    case 'reshape': {
      const [h, wd, c] = spec.shape;
      w.node(name, 'Reshape', [from[0]!, w.constant(`${name}.shape`, [batch, c, h, wd], TENSOR_INT64)]);
      return;
    }
    case 'softmax':
      w.node(name, 'Softmax', from, [int('axis', 1)]);
      return;
    case 'lrn':
      w.node(name, 'LRN', from, [int('size', 2 * spec.depthRadius + 1)]);
      return;
    case 'pad':
      w.node(name, 'Pad', [
        from[0]!,
        w.constant(`${name}.pads`, [0, 0, spec.top, spec.left, 0, 0, spec.bottom, spec.right], TENSOR_INT64),
      ]);
      return;
    case 'unsupported':
      w.node(name, spec.sourceType.replace(/^ONNX\./, ''), from);
      return;
  }
}

const tensorType = (dims: number[]): Obj => ({
  tensorType: { elemType: TENSOR_FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } },
});

/** The network as an ONNX ModelProto object (the caller may edit it before encoding). */
export function toOnnxModel(network: Network): Obj {
  const w = new OnnxWriter();
  for (const l of network.layers) emit(w, l, (p) => p, network.batch);
  const [h, wd, c] = network.input;
  const sinks = network.layers.filter((l) => !network.layers.some((o) => o.parents.includes(l.name)));
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'neuralpower scripts/networks/onnx-model.ts',
    graph: {
      name: network.name,
      node: w.nodes,
      initializer: w.initializers,
      input: [{ name: 'input', type: tensorType([network.batch, c, h, wd]) }],
      output: sinks.map((s) => {
        const [oh, ow, oc] = s.output;
        const flat = oh === 1 && ow === 1 && s.spec.kind !== 'globalpool' && s.spec.kind !== 'conv';
        return { name: s.name, type: tensorType(flat ? [network.batch, oc] : [network.batch, oc, oh, ow]) };
      }),
    },
  };
}

export function toOnnxBytes(network: Network): Uint8Array {
  return encodeOnnx(toOnnxModel(network));
}
