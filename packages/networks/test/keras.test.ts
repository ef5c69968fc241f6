import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Network } from '@neuralpower/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelJson, toLayersModel } from '../../../scripts/networks/tfjs-model.js';
import { importKeras, loadNetwork, parseNetworkBytes, zooNetwork } from '../src/index.js';

/**
 * What must survive the round trip: names, specs, wiring and shapes of every layer. TF.js
 * writes a DAG's layers in its own topological order, so the lists are compared by name.
 */
const layerList = (n: Network) =>
  n.layers
    .map((l) => ({ name: l.name, spec: l.spec, parents: l.parents, inputs: l.inputs, output: l.output }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const dir = mkdtempSync(join(tmpdir(), 'np-keras-'));

/** Zoo network → TF.js LayersModel → model.json on disk. */
async function writeModelJson(network: Network, sequential: boolean): Promise<string> {
  const file = join(dir, `${network.name}${sequential ? '-seq' : ''}.json`);
  const model = toLayersModel(network, { sequential });
  writeFileSync(file, JSON.stringify(await modelJson(model)));
  model.dispose();
  return file;
}

describe('Keras / TF.js LayersModel import', () => {
  const cases: [string, Network, boolean][] = [
    ['lenet5 (Sequential)', zooNetwork('lenet5', { batch: 4 }), true],
    ['mobilenet-v1 (Sequential, 96x96)', zooNetwork('mobilenet-v1', { input: [96, 96] }), true],
    ['resnet18 (functional, 64x64)', zooNetwork('resnet18', { batch: 2, input: [64, 64] }), false],
    ['mobilenet-v2 (functional, 64x64)', zooNetwork('mobilenet-v2', { input: [64, 64] }), false],
    ['googlenet (functional, 96x96)', zooNetwork('googlenet', { input: [96, 96] }), false],
  ];
  const files = new Map<string, string>();
  beforeAll(async () => {
    for (const [label, network, sequential] of cases)
      files.set(label, await writeModelJson(network, sequential));
  }, 60_000);

  for (const [label, network] of cases) {
    it(`gives back the same layers for ${label}`, async () => {
      const imported = await loadNetwork(files.get(label)!);
      expect(imported.name).toBe(network.name);
      expect(imported.batch).toBe(network.batch);
      expect(imported.input).toEqual(network.input);
      expect(layerList(imported)).toEqual(layerList(network));
    });
  }

  it('reads a bare Keras to_json() config (Keras 2 functional) and overrides batch and input', () => {
    const config = {
      class_name: 'Functional',
      config: {
        name: 'tiny',
        layers: [
          {
            name: 'in',
            class_name: 'InputLayer',
            config: { batch_input_shape: [null, 32, 32, 3] },
            inbound_nodes: [],
          },
          {
            name: 'pad',
            class_name: 'ZeroPadding2D',
            config: {
              padding: [
                [1, 1],
                [1, 1],
              ],
            },
            inbound_nodes: [[['in', 0, 0, {}]]],
          },
          {
            name: 'conv',
            class_name: 'Conv2D',
            config: {
              filters: 8,
              kernel_size: [3, 3],
              strides: [2, 2],
              padding: 'valid',
              activation: 'relu',
              use_bias: true,
            },
            inbound_nodes: [[['pad', 0, 0, {}]]],
          },
          {
            name: 'sep',
            class_name: 'SeparableConv2D',
            config: { filters: 16, kernel_size: 3, padding: 'same', depth_multiplier: 1, use_bias: true },
            inbound_nodes: [[['conv', 0, 0, {}]]],
          },
          { name: 'head', class_name: 'Dense', config: { units: 4 }, inbound_nodes: [[['sep', 0, 0, {}]]] },
          { name: 'mish', class_name: 'Mish', config: {}, inbound_nodes: [[['head', 0, 0, {}]]] },
          {
            name: 'gmp',
            class_name: 'GlobalMaxPooling2D',
            config: {},
            inbound_nodes: [[['mish', 0, 0, {}]]],
          },
          {
            name: 'r',
            class_name: 'Reshape',
            config: { target_shape: [2, 2] },
            inbound_nodes: [[['gmp', 0, 0, {}]]],
          },
          {
            name: 'flat',
            class_name: 'Reshape',
            config: { target_shape: [-1] },
            inbound_nodes: [[['r', 0, 0, {}]]],
          },
        ],
        input_layers: [['in', 0, 0]],
        output_layers: [['r', 0, 0]],
      },
    };
    const n = importKeras(config, { batch: 3, input: [64, 64] });
    expect(n.batch).toBe(3);
    expect(n.layers.map((l) => [l.name, l.spec.kind, l.output.join('x')])).toEqual([
      ['conv', 'conv', '32x32x8'],
      ['sep/depthwise', 'conv', '32x32x8'],
      ['sep', 'conv', '32x32x16'],
      // Dense on a feature map acts on channels only: a 1×1 convolution.
      ['head', 'conv', '32x32x4'],
      ['mish', 'unsupported', '32x32x4'],
      ['gmp', 'globalpool', '1x1x4'],
      ['r', 'reshape', '1x2x2'],
      ['flat', 'flatten', '1x1x4'],
    ]);
    expect(n.layers[0]!.spec).toMatchObject({
      padding: { top: 1, bottom: 1, left: 1, right: 1 },
      strideH: 2,
    });
    expect(n.layers[1]!.spec).toMatchObject({ groups: 8, bias: false });
    expect(n.layers[4]!.spec).toEqual({ kind: 'unsupported', sourceType: 'Keras.Mish' });
  });

  it('reads Keras 3 inbound_nodes (keras_history) and Sequential with batch_shape', () => {
    const tensor = (layer: string) => ({
      class_name: '__keras_tensor__',
      config: { shape: [null, 8, 8, 4], dtype: 'float32', keras_history: [layer, 0, 0] },
    });
    const functional = {
      class_name: 'Functional',
      config: {
        name: 'k3',
        layers: [
          {
            name: 'x',
            class_name: 'InputLayer',
            config: { batch_shape: [null, 8, 8, 4] },
            inbound_nodes: [],
          },
          {
            name: 'a',
            class_name: 'Conv2D',
            config: { filters: 4, kernel_size: [1, 1], padding: 'same' },
            inbound_nodes: [{ args: [tensor('x')], kwargs: {} }],
          },
          {
            name: 'sum',
            class_name: 'Add',
            config: {},
            inbound_nodes: [{ args: [[tensor('a'), tensor('x')]], kwargs: {} }],
          },
        ],
      },
    };
    const n = importKeras(functional);
    // The add reads the input directly: the input gets an identity node so it can be named.
    expect(n.layers.map((l) => [l.name, l.spec.kind, l.parents])).toEqual([
      ['x', 'reshape', []],
      ['a', 'conv', ['x']],
      ['sum', 'add', ['a', 'x']],
    ]);
    expect(n.layers[0]!.macsPerExample + n.layers[0]!.flopsPerExample).toBe(0);
    expect(n.layers[2]!.inputs).toEqual([
      [8, 8, 4],
      [8, 8, 4],
    ]);
    const seq = importKeras({
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          { class_name: 'InputLayer', config: { name: 'in', batch_shape: [16, 784] } },
          { class_name: 'Dense', config: { name: 'd1', units: 10, activation: 'softmax' } },
        ],
      },
    });
    expect(seq.batch).toBe(16);
    expect(seq.layers.map((l) => [l.name, l.spec.kind, l.params])).toEqual([['d1', 'fc', 7850]]);
  });

  it('expands models nested as layers (a base model inside Sequential and functional models)', async () => {
    const base = toLayersModel(zooNetwork('mobilenet-v2', { input: [32, 32] }));
    const seq = tf.sequential({ name: 'transfer' });
    seq.add(base);
    seq.add(tf.layers.dense({ name: 'head', units: 3, kernelInitializer: 'zeros' }));
    const a = importKeras(await modelJson(seq));
    const zoo = zooNetwork('mobilenet-v2', { input: [32, 32] });
    expect(a.input).toEqual([32, 32, 3]);
    expect(a.layers.length).toBe(zoo.layers.length + 1);
    expect(a.layers.find((l) => l.name === 'mobilenet-v2/features.0')!.parents).toEqual([]);
    expect(a.layers.find((l) => l.name === 'head')).toMatchObject({
      parents: ['mobilenet-v2/softmax'],
      output: [1, 1, 3],
    });

    const input = tf.input({ shape: [32, 32, 3], name: 'image' });
    const features = base.apply(input) as tf.SymbolicTensor;
    const out = tf.layers
      .dense({ name: 'head', units: 3, kernelInitializer: 'zeros' })
      .apply(features) as tf.SymbolicTensor;
    const b = importKeras(await modelJson(tf.model({ name: 'transfer2', inputs: input, outputs: out })));
    expect(b.layers.map((l) => [l.name, l.parents])).toEqual(a.layers.map((l) => [l.name, l.parents]));
  });

  it('fails on malformed files naming the file, the layer and the field', () => {
    const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const seq = (layers: unknown[]) => ({
      modelTopology: { class_name: 'Sequential', config: { name: 'm', layers } },
    });
    const input = { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 8, 8, 3] } };
    expect(() =>
      parseNetworkBytes(
        bytes(seq([input, { class_name: 'Conv2D', config: { name: 'c', filters: 0, kernel_size: 3 } }])),
        'm.json',
      ),
    ).toThrow(/^m\.json: layer "c" field filters: must be an integer >= 1 \(got 0\)/);
    expect(() =>
      parseNetworkBytes(
        bytes(
          seq([
            input,
            {
              class_name: 'Conv2D',
              config: { name: 'c', filters: 2, kernel_size: 3, data_format: 'channels_first' },
            },
          ]),
        ),
        'm.json',
      ),
    ).toThrow(/^m\.json: layer "c" field data_format: only channels_last/);
    expect(() =>
      parseNetworkBytes(bytes(seq([{ class_name: 'Dense', config: { name: 'd', units: 2 } }])), 'm.json'),
    ).toThrow(/^m\.json: layer "d" field batch_input_shape: the model declares no input shape/);
    expect(() =>
      parseNetworkBytes(
        bytes(seq([input, { class_name: 'MaxPooling2D', config: { name: 'p', pool_size: [9, 9] } }])),
        'm.json',
      ),
    ).toThrow(
      /^m\.json: layer "p" field pool\.kernelH: effective kernel 9 is larger than the padded input 8/,
    );
  });
});

describe('nesting depth', () => {
  it('refuses descriptions nested deeper than 64 levels with a clear error, in every JSON importer', async () => {
    const { importKeras, importNative, importPaleo } = await import('../src/index.js');
    const deep = JSON.parse(`${'['.repeat(50_000)}${']'.repeat(50_000)}`) as unknown;
    expect(() => importKeras(deep)).toThrow(/Keras JSON is nested deeper than 64 levels/);
    expect(() => importPaleo({ layers: deep })).toThrow(/Paleo JSON is nested deeper than 64 levels/);
    expect(() => importNative({ name: 'x', nodes: [deep] })).toThrow(
      /native JSON is nested deeper than 64 levels/,
    );
  });
});
