/**
 * Generates the ONNX test files in packages/networks/test/fixtures/onnx (no downloads):
 * zoo networks exported by onnx-model.ts, and one hand-written graph in the style of a
 * PyTorch export (shape arithmetic feeding Reshape, MatMul + bias Add, Identity, Constant,
 * an operator neuralpower has no model for). Deterministic: the test regenerates and compares.
 * Usage: npx tsx scripts/networks/make-onnx-fixtures.ts [OUT_DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zooNetwork } from '@neuralpower/networks';
import { encodeOnnx, TENSOR_FLOAT, TENSOR_INT64 } from '../../packages/networks/src/import/onnx-schema.js';
import { toOnnxBytes } from './onnx-model.js';

export const ZOO_FIXTURES = ['lenet5', 'resnet18', 'mobilenet-v2', 'googlenet', 'squeezenet1.1'] as const;

const int64 = (values: number[]) => {
  const bytes = new Uint8Array(8 * values.length);
  const view = new DataView(bytes.buffer);
  for (const [i, v] of values.entries()) view.setBigInt64(8 * i, BigInt(v), true);
  return bytes;
};

/** A small PyTorch-style export: conv → relu → pool → view(n, -1) → matmul + bias → softmax. */
export function pytorchStyleModel(): Uint8Array {
  const weight = (name: string, dims: number[]) => ({
    name,
    dims,
    dataType: TENSOR_FLOAT,
    dataLocation: 1,
    externalData: [{ key: 'location', value: 'weights.bin' }],
  });
  const node = (
    name: string,
    opType: string,
    input: string[],
    output: string[],
    attribute: object[] = [],
  ) => ({
    name,
    opType,
    input,
    output,
    attribute,
  });
  return encodeOnnx({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 14 }],
    producerName: 'pytorch-style fixture',
    graph: {
      name: 'torch_jit',
      node: [
        node(
          '/conv/Conv',
          'Conv',
          ['x', 'conv.weight', 'conv.bias'],
          ['/conv/Conv_output_0'],
          [
            { name: 'kernel_shape', type: 7, ints: [3, 3] },
            { name: 'pads', type: 7, ints: [1, 1, 1, 1] },
            { name: 'strides', type: 7, ints: [1, 1] },
          ],
        ),
        node('/relu/Relu', 'Relu', ['/conv/Conv_output_0'], ['/relu/Relu_output_0']),
        node(
          '/pool/MaxPool',
          'MaxPool',
          ['/relu/Relu_output_0'],
          ['/pool/MaxPool_output_0'],
          [
            { name: 'kernel_shape', type: 7, ints: [2, 2] },
            { name: 'strides', type: 7, ints: [2, 2] },
          ],
        ),
        node('/Shape', 'Shape', ['/pool/MaxPool_output_0'], ['/Shape_output_0']),
        node(
          '/Constant',
          'Constant',
          [],
          ['/Constant_output_0'],
          [{ name: 'value', type: 4, t: { dims: [], dataType: TENSOR_INT64, rawData: int64([0]) } }],
        ),
        node('/Gather', 'Gather', ['/Shape_output_0', '/Constant_output_0'], ['/Gather_output_0']),
        node('/Unsqueeze', 'Unsqueeze', ['/Gather_output_0', 'axes'], ['/Unsqueeze_output_0']),
        node(
          '/Concat',
          'Concat',
          ['/Unsqueeze_output_0', 'minus_one'],
          ['/Concat_output_0'],
          [{ name: 'axis', type: 2, i: 0 }],
        ),
        node('/Reshape', 'Reshape', ['/pool/MaxPool_output_0', '/Concat_output_0'], ['/Reshape_output_0']),
        node('/fc/MatMul', 'MatMul', ['/Reshape_output_0', 'fc.weight_t'], ['/fc/MatMul_output_0']),
        node('/fc/Add', 'Add', ['fc.bias', '/fc/MatMul_output_0'], ['/fc/Add_output_0']),
        node('/Identity', 'Identity', ['/fc/Add_output_0'], ['/Identity_output_0']),
        node('/act/HardSwish', 'HardSwish', ['/Identity_output_0'], ['/act/HardSwish_output_0']),
        node(
          '/Softmax',
          'Softmax',
          ['/act/HardSwish_output_0'],
          ['probs'],
          [{ name: 'axis', type: 2, i: 1 }],
        ),
      ],
      initializer: [
        weight('conv.weight', [8, 3, 3, 3]),
        weight('conv.bias', [8]),
        weight('fc.weight_t', [8 * 8 * 8, 10]),
        weight('fc.bias', [10]),
        { name: 'axes', dims: [1], dataType: TENSOR_INT64, rawData: int64([0]) },
        { name: 'minus_one', dims: [1], dataType: TENSOR_INT64, rawData: int64([-1]) },
      ],
      input: [
        {
          name: 'x',
          type: {
            tensorType: {
              elemType: TENSOR_FLOAT,
              shape: { dim: [{ dimParam: 'batch' }, { dimValue: 3 }, { dimValue: 16 }, { dimValue: 16 }] },
            },
          },
        },
      ],
      output: [
        {
          name: 'probs',
          type: {
            tensorType: { elemType: TENSOR_FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 10 }] } },
          },
        },
      ],
    },
  });
}

/**
 * A TensorFlow-converter-style graph (tf2onnx): NHWC input transposed to NCHW and back,
 * convolution weights declared as a graph input (no initializer), Reshape to [1, -1].
 */
export function tfStyleModel(): Uint8Array {
  const value = (name: string, dims: number[]) => ({
    name,
    type: { tensorType: { elemType: TENSOR_FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const node = (name: string, opType: string, input: string[], attribute: object[] = []) => ({
    name,
    opType,
    input,
    output: [name],
    attribute,
  });
  return encodeOnnx({
    irVersion: 4,
    opsetImport: [{ domain: '', version: 9 }],
    producerName: 'tf2onnx-style fixture',
    graph: {
      name: 'tf_model',
      node: [
        node('to_nchw', 'Transpose', ['image'], [{ name: 'perm', type: 7, ints: [0, 3, 1, 2] }]),
        node(
          'conv',
          'Conv',
          ['to_nchw', 'conv/kernel'],
          [
            { name: 'kernel_shape', type: 7, ints: [3, 3] },
            { name: 'pads', type: 7, ints: [1, 1, 1, 1] },
          ],
        ),
        node('relu', 'Relu', ['conv']),
        node('to_nhwc', 'Transpose', ['relu'], [{ name: 'perm', type: 7, ints: [0, 2, 3, 1] }]),
        node('flatten', 'Reshape', ['to_nhwc', 'flat_shape']),
        node('dense', 'MatMul', ['flatten', 'dense/kernel']),
        node('dense_bias', 'Add', ['dense', 'dense/bias']),
        node('probs', 'Softmax', ['dense_bias']),
      ],
      initializer: [
        { name: 'flat_shape', dims: [2], dataType: TENSOR_INT64, int64Data: [1, -1] },
        {
          name: 'dense/kernel',
          dims: [32 * 32 * 8, 10],
          dataType: TENSOR_FLOAT,
          dataLocation: 1,
          externalData: [{ key: 'location', value: 'weights.bin' }],
        },
        { name: 'dense/bias', dims: [10], dataType: TENSOR_FLOAT, floatData: new Array(10).fill(0) },
      ],
      input: [value('image', [1, 32, 32, 3]), value('conv/kernel', [8, 3, 3, 3])],
      output: [value('probs', [1, 10])],
    },
  });
}

/** Every fixture by file name. */
export function onnxFixtures(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of ZOO_FIXTURES) files.set(`${name}.onnx`, toOnnxBytes(zooNetwork(name)));
  files.set('pytorch-style.onnx', pytorchStyleModel());
  files.set('tf-style.onnx', tfStyleModel());
  return files;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const dir = process.argv[2] ?? join(import.meta.dirname, '../../packages/networks/test/fixtures/onnx');
  mkdirSync(dir, { recursive: true });
  for (const [file, bytes] of onnxFixtures()) {
    writeFileSync(join(dir, file), bytes);
    process.stdout.write(`${join(dir, file)}: ${bytes.length} bytes\n`);
  }
}
