import type { LayerSpec, Padding, Shape } from '@neuralpower/core';
import * as tf from '@tensorflow/tfjs';

/** A forward function over NHWC tensors; weights are closed over and owned by `weights`. */
export interface BuiltLayer {
  readonly forward: (inputs: readonly tf.Tensor4D[]) => tf.Tensor;
  readonly weights: readonly tf.Tensor[];
}

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

function explicitPad(p: Exclude<Padding, 'SAME' | 'VALID'>): Pad4 {
  return [
    [0, 0],
    [p.top, p.bottom],
    [p.left, p.right],
    [0, 0],
  ];
}

/** tfjs padding for ops that accept 'same'/'valid' only; explicit padding is applied with tf.pad first. */
function padded(x: tf.Tensor4D, padding: Padding, value = 0): { x: tf.Tensor4D; pad: 'same' | 'valid' } {
  if (padding === 'SAME') return { x, pad: 'same' };
  if (padding === 'VALID') return { x, pad: 'valid' };
  return { x: tf.pad(x, explicitPad(padding), value), pad: 'valid' };
}

function one(inputs: readonly tf.Tensor4D[]): tf.Tensor4D {
  return inputs[0]!;
}

function randomWeights(shape: number[]): tf.Tensor {
  return tf.randomNormal(shape, 0, 0.05, 'float32');
}

/**
 * Builds the tfjs computation of one layer from the same `LayerSpec` the models and the collector
 * use. `inputs` are per-example shapes; the batch dimension is added by the caller.
 */
export function buildLayer(spec: LayerSpec, inputs: readonly Shape[], batch: number): BuiltLayer {
  const input = inputs[0];
  switch (spec.kind) {
    case 'conv': {
      if (!input) throw new Error('conv needs an input shape');
      const cin = input[2];
      if ((spec.strideH > 1 || spec.strideW > 1) && (spec.dilationH > 1 || spec.dilationW > 1)) {
        throw new Error('conv: tfjs cannot combine a stride > 1 with a dilation > 1');
      }
      if (spec.filters % spec.groups !== 0) {
        throw new Error(`conv.groups: ${spec.groups} must divide filters (${spec.filters})`);
      }
      const strides: [number, number] = [spec.strideH, spec.strideW];
      const dilations: [number, number] = [spec.dilationH, spec.dilationW];
      const bias = spec.bias ? randomWeights([spec.filters]) : undefined;
      const withBias = (y: tf.Tensor4D): tf.Tensor4D => (bias ? tf.add(y, bias) : y);
      if (spec.groups === 1) {
        const w = randomWeights([spec.kernelH, spec.kernelW, cin, spec.filters]) as tf.Tensor4D;
        const pad =
          typeof spec.padding === 'string'
            ? spec.padding === 'SAME'
              ? 'same'
              : 'valid'
            : explicitPad(spec.padding);
        return {
          weights: bias ? [w, bias] : [w],
          forward: (xs) => withBias(tf.conv2d(one(xs), w, strides, pad, 'NHWC', dilations)),
        };
      }
      if (spec.groups === cin) {
        const w = randomWeights([spec.kernelH, spec.kernelW, cin, spec.filters / cin]) as tf.Tensor4D;
        return {
          weights: bias ? [w, bias] : [w],
          forward: (xs) => {
            const p = padded(one(xs), spec.padding);
            return withBias(tf.depthwiseConv2d(p.x, w, strides, p.pad, 'NHWC', dilations));
          },
        };
      }
      // Grouped convolution: tfjs has none, so split channels, convolve each group, concatenate.
      const g = spec.groups;
      const ws = Array.from(
        { length: g },
        () => randomWeights([spec.kernelH, spec.kernelW, cin / g, spec.filters / g]) as tf.Tensor4D,
      );
      return {
        weights: bias ? [...ws, bias] : ws,
        forward: (xs) => {
          const p = padded(one(xs), spec.padding);
          const parts = tf.split(p.x, g, 3);
          const ys = parts.map((part, i) =>
            tf.conv2d(part as tf.Tensor4D, ws[i]!, strides, p.pad, 'NHWC', dilations),
          );
          return withBias(tf.concat(ys, 3));
        },
      };
    }
    case 'fc': {
      if (!input) throw new Error('fc needs an input shape');
      const fanIn = input[0] * input[1] * input[2];
      const w = randomWeights([fanIn, spec.units]) as tf.Tensor2D;
      const b = spec.bias ? randomWeights([spec.units]) : undefined;
      return {
        weights: b ? [w, b] : [w],
        forward: (xs) => {
          const y = tf.matMul(tf.reshape(one(xs), [batch, fanIn]), w);
          return tf.reshape(b ? tf.add(y, b) : y, [batch, 1, 1, spec.units]);
        },
      };
    }
    case 'pool':
      return {
        weights: [],
        forward: (xs) => {
          // Max pooling pads with -inf so padding never wins; average pooling pads with 0.
          const p = padded(one(xs), spec.padding, spec.mode === 'max' ? -3.4e38 : 0);
          const size: [number, number] = [spec.kernelH, spec.kernelW];
          const strides: [number, number] = [spec.strideH, spec.strideW];
          return spec.mode === 'max'
            ? tf.maxPool(p.x, size, strides, p.pad)
            : tf.avgPool(p.x, size, strides, p.pad);
        },
      };
    case 'globalpool':
      return {
        weights: [],
        forward: (xs) =>
          spec.mode === 'max' ? tf.max(one(xs), [1, 2], true) : tf.mean(one(xs), [1, 2], true),
      };
    case 'activation':
      return { weights: [], forward: (xs) => activation(spec.fn, one(xs)) };
    case 'batchnorm': {
      if (!input) throw new Error('batchnorm needs an input shape');
      const c = input[2];
      const mean = randomWeights([c]);
      const variance = tf.add(tf.abs(randomWeights([c])), 1);
      const offset = randomWeights([c]);
      const scale = tf.add(randomWeights([c]), 1);
      return {
        weights: [mean, variance, offset, scale],
        forward: (xs) => tf.batchNorm(one(xs), mean, variance, offset, scale, 1e-3),
      };
    }
    case 'add':
      return { weights: [], forward: (xs) => tf.addN([...xs]) };
    case 'concat':
      return { weights: [], forward: (xs) => (xs.length === 1 ? tf.clone(one(xs)) : tf.concat([...xs], 3)) };
    case 'dropout':
      // Inference-time dropout is the identity in every framework; the paper's profiler ran the op
      // itself, so the mask is applied here to measure what that costs.
      return { weights: [], forward: (xs) => tf.dropout(one(xs), spec.rate) as tf.Tensor4D };
    case 'lrn':
      return {
        weights: [],
        forward: (xs) => tf.localResponseNormalization(one(xs), spec.depthRadius, 1, 1e-4, 0.75),
      };
    case 'flatten':
      return {
        weights: [],
        forward: (xs) => {
          const x = one(xs);
          return tf.reshape(x, [batch, 1, 1, x.size / batch]);
        },
      };
    case 'reshape':
      return { weights: [], forward: (xs) => tf.reshape(one(xs), [batch, ...spec.shape]) };
    case 'softmax':
      return { weights: [], forward: (xs) => tf.softmax(one(xs)) };
    case 'pad':
      return {
        weights: [],
        forward: (xs) =>
          tf.pad(one(xs), [
            [0, 0],
            [spec.top, spec.bottom],
            [spec.left, spec.right],
            [0, 0],
          ]),
      };
    case 'unsupported':
      throw new Error(`layer kind "unsupported" (${spec.sourceType}) cannot be run`);
  }
}

function activation(fn: string, x: tf.Tensor4D): tf.Tensor {
  switch (fn) {
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
    case 'leakyrelu':
      return tf.leakyRelu(x, 0.2);
    case 'swish':
      return tf.mul(x, tf.sigmoid(x));
    default:
      // linear: a copy, so the output can be freed without freeing the input
      return tf.clone(x);
  }
}
