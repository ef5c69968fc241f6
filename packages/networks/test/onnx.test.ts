import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Network } from '@neuralpower/core';
import { describe, expect, it } from 'vitest';
import { onnxFixtures, ZOO_FIXTURES } from '../../../scripts/networks/make-onnx-fixtures.js';
import { toOnnxModel } from '../../../scripts/networks/onnx-model.js';
import { encodeOnnx } from '../src/import/onnx-schema.js';
import { importOnnx, loadNetwork, parseNetworkBytes, zooNetwork } from '../src/index.js';

const DIR = join(import.meta.dirname, 'fixtures/onnx');
const layerList = (n: Network) =>
  n.layers.map((l) => ({
    name: l.name,
    spec: l.spec,
    parents: l.parents,
    inputs: l.inputs,
    output: l.output,
  }));

describe('ONNX import', () => {
  it('fixtures on disk are exactly what the generator script writes', () => {
    const generated = onnxFixtures();
    expect(readdirSync(DIR).sort()).toEqual([...generated.keys()].sort());
    for (const [file, bytes] of generated)
      expect([file, Buffer.compare(readFileSync(join(DIR, file)), bytes)]).toEqual([file, 0]);
  });

  for (const name of ZOO_FIXTURES) {
    it(`gives back the zoo's ${name} (NCHW → NHWC, same layers and shapes)`, async () => {
      const imported = await loadNetwork(join(DIR, `${name}.onnx`));
      const zoo = zooNetwork(name);
      expect(imported.name).toBe(name);
      expect(imported.input).toEqual(zoo.input);
      expect(layerList(imported)).toEqual(layerList(zoo));
    });
  }

  it('reads a PyTorch-style export: shape arithmetic, MatMul + bias Add, Identity, unknown operators', async () => {
    const n = await loadNetwork(join(DIR, 'pytorch-style.onnx'), { batch: 8 });
    expect(n.batch).toBe(8);
    expect(n.layers.map((l) => [l.name, l.spec.kind, l.output.join('x')])).toEqual([
      ['/conv/Conv', 'conv', '16x16x8'],
      ['/relu/Relu', 'activation', '16x16x8'],
      ['/pool/MaxPool', 'pool', '8x8x8'],
      ['/Reshape', 'flatten', '1x1x512'],
      ['/fc/MatMul', 'fc', '1x1x10'],
      ['/act/HardSwish', 'unsupported', '1x1x10'],
      ['/Softmax', 'softmax', '1x1x10'],
    ]);
    expect(n.layers[4]!.spec).toEqual({ kind: 'fc', units: 10, bias: true });
    expect(n.layers[4]!.params).toBe(5130);
    expect(n.layers[5]!.spec).toEqual({ kind: 'unsupported', sourceType: 'ONNX.HardSwish' });
    // The symbolic batch dimension defaults to 1.
    expect((await loadNetwork(join(DIR, 'pytorch-style.onnx'))).batch).toBe(1);
  });

  it('reads a TensorFlow-converter-style export: NHWC input, transposes, weights as graph inputs', async () => {
    const n = await loadNetwork(join(DIR, 'tf-style.onnx'));
    expect(n.input).toEqual([32, 32, 3]);
    expect(n.layers.map((l) => [l.name, l.spec.kind, l.parents, l.output.join('x')])).toEqual([
      ['conv', 'conv', [], '32x32x8'],
      ['relu', 'activation', ['conv'], '32x32x8'],
      ['flatten', 'flatten', ['relu'], '1x1x8192'],
      ['dense', 'fc', ['flatten'], '1x1x10'],
      ['probs', 'softmax', ['dense'], '1x1x10'],
    ]);
    expect(n.layers[0]!.params).toBe(8 * 27);
    expect(n.layers[3]!.params).toBe(8192 * 10 + 10);
  });

  it('takes batch and input size from options; SAME_UPPER and ceil_mode as ONNX defines them', () => {
    const bytes = readFileSync(join(DIR, 'googlenet.onnx'));
    const n = importOnnx(bytes, { batch: 16, input: [299, 299] });
    expect(n.batch).toBe(16);
    expect(n.layers.find((l) => l.name === 'maxpool1')!.output).toEqual([75, 75, 64]);
    const m = importOnnx(readFileSync(join(DIR, 'lenet5.onnx')));
    expect(m.layers[0]!.spec).toMatchObject({ kind: 'conv', padding: 'VALID', filters: 6 });
  });

  it('reads Squeeze after global pooling as the flatten it is', () => {
    const model = toOnnxModel(zooNetwork('resnet18', { input: [64, 64] })) as {
      graph: {
        node: { name: string; opType: string; input: string[]; attribute: unknown[] }[];
        initializer: unknown[];
      };
    };
    const flatten = model.graph.node.find((x) => x.name === 'flatten')!;
    flatten.opType = 'Squeeze';
    flatten.attribute = [];
    flatten.input.push('axes');
    model.graph.initializer.push({ name: 'axes', dims: [2], dataType: 7, int64Data: [2, 3] });
    const n = importOnnx(encodeOnnx(model));
    expect(layerList(n)).toEqual(layerList(zooNetwork('resnet18', { input: [64, 64] })));
  });

  it('detects ONNX by content as well as by extension', () => {
    const bytes = readFileSync(join(DIR, 'resnet18.onnx'));
    expect(parseNetworkBytes(bytes, 'upload.bin').layers.length).toBe(zooNetwork('resnet18').layers.length);
  });

  it('fails on malformed files naming the file, the layer and the field', () => {
    const base = toOnnxModel(zooNetwork('lenet5')) as {
      graph: { node: { name: string; input: string[] }[]; initializer: { name: string; dims: number[] }[] };
    };
    const broken = structuredClone(base);
    broken.graph.initializer.find((t) => t.name === 'c3.weight')!.dims = [16, 5, 5, 5];
    expect(() => parseNetworkBytes(encodeOnnx(broken), 'lenet.onnx')).toThrow(
      /^lenet\.onnx: layer "c3" field input\[1\]: weights \[16, 5, 5, 5\] with group 1 expect 5 input channels, the input has 6/,
    );
    const dangling = structuredClone(base);
    dangling.graph.node.find((x) => x.name === 's2')!.input = ['nowhere'];
    expect(() => parseNetworkBytes(encodeOnnx(dangling), 'lenet.onnx')).toThrow(
      /^lenet\.onnx: layer "s2" field input\[0\]: reads "nowhere", which no earlier node or graph input produces/,
    );
    expect(() => parseNetworkBytes(new Uint8Array([0x0a, 0xff, 0xff, 0xff]), 'junk.onnx')).toThrow(
      /^junk\.onnx: layer "\(file\)": is not an ONNX model \(protobuf decoding failed/,
    );
  });
});
