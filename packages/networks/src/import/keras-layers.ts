import type { ActivationFunction, LayerSpec, Padding, Shape } from '@neuralpower/core';
import { NetworkError } from '@neuralpower/core';
import { brief, int, isRecord, type Json } from './fields.js';
import type { KerasLayer } from './keras-topology.js';

// Mapping one Keras layer (class name + config) to core layer specs.

function pair(config: Json, layer: string, field: string, fallback?: [number, number]): [number, number] {
  const v = config[field] ?? fallback;
  if (typeof v === 'number') return [int(v, layer, field), int(v, layer, field)];
  if (Array.isArray(v) && v.length === 2)
    return [int(v[0], layer, `${field}[0]`), int(v[1], layer, `${field}[1]`)];
  throw new NetworkError(layer, `must be an integer or a pair of integers (got ${brief(v)})`, field);
}

export function kerasPadding(config: Json, layer: string): 'SAME' | 'VALID' {
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
export function zeroPadding(
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

export function mapLayer(l: KerasLayer, inputs: Shape[], padding: Padding | undefined): Mapped {
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

export const FOLDS_PADDING = new Set([
  'Conv2D',
  'Convolution2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'MaxPooling2D',
  'MaxPool2D',
  'AveragePooling2D',
  'AvgPool2D',
]);
