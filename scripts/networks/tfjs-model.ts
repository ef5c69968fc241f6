/**
 * Builds a TF.js LayersModel from a neuralpower Network and writes its topology as a TF.js
 * `model.json`: the project's own source of Keras / TF.js test files (no downloads).
 * Explicit (PyTorch-style) padding becomes ZeroPadding2D + a `valid` layer, which the importer
 * folds back. Weights use zero initialisers: only the topology is wanted, and it is fast.
 */
import type { Network, NetworkLayer } from '@neuralpower/core';
import * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;

/** Only SAME and VALID reach here: explicit padding went into a ZeroPadding2D before the layer. */
function windowPadding(spec: { padding: unknown }): 'same' | 'valid' {
  return spec.padding === 'SAME' ? 'same' : 'valid';
}

/** The TF.js layers for one network layer (ZeroPadding2D first where padding is explicit). */
function layersFor(l: NetworkLayer): Layer[] {
  const { spec, name } = l;
  const zeros = { kernelInitializer: 'zeros', biasInitializer: 'zeros' } as const;
  const pad: Layer[] = [];
  if ((spec.kind === 'conv' || spec.kind === 'pool') && typeof spec.padding === 'object') {
    const p = spec.padding;
    pad.push(
      tf.layers.zeroPadding2d({
        name: `${name}/pad`,
        padding: [
          [p.top, p.bottom],
          [p.left, p.right],
        ],
      }),
    );
  }
  switch (spec.kind) {
    case 'conv': {
      const common = {
        name,
        kernelSize: [spec.kernelH, spec.kernelW] as [number, number],
        strides: [spec.strideH, spec.strideW] as [number, number],
        padding: windowPadding(spec),
        dilationRate: [spec.dilationH, spec.dilationW] as [number, number],
        useBias: spec.bias,
      };
      const cin = l.inputs[0]![2];
      if (spec.groups === 1)
        return [...pad, tf.layers.conv2d({ ...common, ...zeros, filters: spec.filters })];
      if (spec.groups === cin) {
        return [
          ...pad,
          tf.layers.depthwiseConv2d({
            ...common,
            depthMultiplier: spec.filters / cin,
            depthwiseInitializer: 'zeros',
            biasInitializer: 'zeros',
          }),
        ];
      }
      throw new Error(`${name}: grouped convolution (groups ${spec.groups}) has no TF.js layer`);
    }
    case 'fc':
      return [tf.layers.dense({ name, units: spec.units, useBias: spec.bias, ...zeros })];
    case 'pool': {
      const args = {
        name,
        poolSize: [spec.kernelH, spec.kernelW] as [number, number],
        strides: [spec.strideH, spec.strideW] as [number, number],
        padding: windowPadding(spec),
      };
      return [...pad, spec.mode === 'max' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args)];
    }
    case 'globalpool':
      return [
        spec.mode === 'max'
          ? tf.layers.globalMaxPooling2d({ name })
          : tf.layers.globalAveragePooling2d({ name }),
      ];
    case 'activation':
      if (spec.fn === 'leakyrelu') return [tf.layers.leakyReLU({ name })];
      // TF.js names every ActivationFunction the core has except leakyrelu (a layer of its own).
      return [tf.layers.activation({ name, activation: spec.fn as 'relu' })];
    case 'batchnorm':
      return [tf.layers.batchNormalization({ name, axis: -1 })];
    case 'add':
      return [tf.layers.add({ name })];
    case 'concat':
      return [tf.layers.concatenate({ name, axis: -1 })];
    case 'dropout':
      return [tf.layers.dropout({ name, rate: spec.rate })];
    case 'flatten': {
      // After global pooling or a dense layer TF.js tensors are already 2-D, which Flatten
      // refuses; Reshape to [F] is the same layer there (the importer reads it as a flatten).
      const [h, w, c] = l.inputs[0]!;
      if (h === 1 && w === 1) return [tf.layers.reshape({ name, targetShape: [c] })];
      return [tf.layers.flatten({ name })];
    }
    case 'reshape':
      return [tf.layers.reshape({ name, targetShape: [...spec.shape] })];
    case 'softmax':
      return [tf.layers.softmax({ name })];
    case 'pad':
      return [
        tf.layers.zeroPadding2d({
          name,
          padding: [
            [spec.top, spec.bottom],
            [spec.left, spec.right],
          ],
        }),
      ];
    case 'lrn':
    case 'unsupported':
      throw new Error(`${name}: ${spec.kind} layers have no TF.js Layers equivalent`);
  }
}

function isChain(network: Network): boolean {
  return network.layers.every((l, i) =>
    i === 0 ? l.parents.length === 0 : l.parents.length === 1 && l.parents[0] === network.layers[i - 1]!.name,
  );
}

/** A Sequential model for chains (when `sequential`), else a functional model. */
export function toLayersModel(network: Network, options: { sequential?: boolean } = {}): tf.LayersModel {
  const inputShape = [...network.input];
  if (options.sequential) {
    if (!isChain(network)) throw new Error(`${network.name} is not a chain; it needs a functional model`);
    const model = tf.sequential({ name: network.name });
    model.add(tf.layers.inputLayer({ inputShape, batchSize: network.batch, name: 'input' }));
    for (const l of network.layers) for (const layer of layersFor(l)) model.add(layer);
    return model;
  }
  const input = tf.input({ batchShape: [network.batch, ...inputShape], name: 'input' });
  const outputs = new Map<string, tf.SymbolicTensor>();
  for (const l of network.layers) {
    const from = l.parents.length === 0 ? [input] : l.parents.map((p) => outputs.get(p)!);
    let x: tf.SymbolicTensor | tf.SymbolicTensor[] = from.length === 1 ? from[0]! : from;
    for (const layer of layersFor(l)) x = layer.apply(x) as tf.SymbolicTensor;
    outputs.set(l.name, x as tf.SymbolicTensor);
  }
  const sinks = network.layers.filter((l) => !network.layers.some((o) => o.parents.includes(l.name)));
  return tf.model({ name: network.name, inputs: input, outputs: sinks.map((s) => outputs.get(s.name)!) });
}

/** The TF.js `model.json` for a model, topology and weight manifest only (no weight files). */
export async function modelJson(model: tf.LayersModel): Promise<Record<string, unknown>> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  return {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: saved!.modelTopology,
    weightsManifest: [{ paths: [], weights: saved!.weightSpecs ?? [] }],
  };
}
