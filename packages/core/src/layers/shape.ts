import { LayerSpecError } from './errors.js';
import type { LayerSpec, Padding, Shape } from './spec.js';

/** Output extent and padding before, along one spatial axis. */
export interface AxisWindow {
  readonly out: number;
  readonly padBefore: number;
  readonly padTotal: number;
}

/** TensorFlow's rules: SAME → ceil(in/stride) with the extra pad after; VALID → no padding. */
export function windowAxis(
  field: string,
  inSize: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: Padding,
  axis: 'h' | 'w',
): AxisWindow {
  const effectiveKernel = (kernel - 1) * dilation + 1;
  if (padding === 'SAME') {
    const out = Math.ceil(inSize / stride);
    const padTotal = Math.max((out - 1) * stride + effectiveKernel - inSize, 0);
    return { out, padBefore: Math.floor(padTotal / 2), padTotal };
  }
  const [before, after] =
    padding === 'VALID'
      ? [0, 0]
      : axis === 'h'
        ? [padding.top, padding.bottom]
        : [padding.left, padding.right];
  const padded = inSize + before + after;
  if (effectiveKernel > padded) {
    throw new LayerSpecError(
      `${field}.kernel${axis === 'h' ? 'H' : 'W'}`,
      `effective kernel ${effectiveKernel} is larger than the padded input ${padded}`,
    );
  }
  return {
    out: Math.floor((padded - effectiveKernel) / stride) + 1,
    padBefore: before,
    padTotal: before + after,
  };
}

function single(kind: string, inputs: readonly Shape[]): Shape {
  if (inputs.length !== 1)
    throw new LayerSpecError(`${kind}.inputs`, `expects exactly 1 input (got ${inputs.length})`);
  return inputs[0]!;
}

export function elementCount(shape: Shape): number {
  return shape[0] * shape[1] * shape[2];
}

/** NHWC shape inference for one layer; throws LayerSpecError naming the field that makes it impossible. */
export function inferOutputShape(spec: LayerSpec, inputs: readonly Shape[]): Shape {
  switch (spec.kind) {
    case 'conv': {
      const [h, w, c] = single('conv', inputs);
      if (c % spec.groups !== 0) {
        throw new LayerSpecError('conv.groups', `must divide the input channels (${c}) (got ${spec.groups})`);
      }
      const oh = windowAxis('conv', h, spec.kernelH, spec.strideH, spec.dilationH, spec.padding, 'h');
      const ow = windowAxis('conv', w, spec.kernelW, spec.strideW, spec.dilationW, spec.padding, 'w');
      return [oh.out, ow.out, spec.filters];
    }
    case 'pool': {
      const [h, w, c] = single('pool', inputs);
      const oh = windowAxis('pool', h, spec.kernelH, spec.strideH, 1, spec.padding, 'h');
      const ow = windowAxis('pool', w, spec.kernelW, spec.strideW, 1, spec.padding, 'w');
      return [oh.out, ow.out, c];
    }
    case 'fc':
      single('fc', inputs);
      return [1, 1, spec.units];
    case 'globalpool':
      return [1, 1, single('globalpool', inputs)[2]];
    case 'flatten':
      return [1, 1, elementCount(single('flatten', inputs))];
    case 'reshape': {
      const input = single('reshape', inputs);
      if (elementCount(input) !== elementCount(spec.shape)) {
        throw new LayerSpecError(
          'reshape.shape',
          `[${spec.shape.join(', ')}] holds ${elementCount(spec.shape)} elements but the input [${input.join(', ')}] holds ${elementCount(input)}`,
        );
      }
      return spec.shape;
    }
    case 'pad': {
      const [h, w, c] = single('pad', inputs);
      return [h + spec.top + spec.bottom, w + spec.left + spec.right, c];
    }
    case 'add': {
      if (inputs.length < 2)
        throw new LayerSpecError('add.inputs', `expects at least 2 inputs (got ${inputs.length})`);
      const first = inputs[0]!;
      inputs.forEach((s, i) => {
        if (s[0] !== first[0] || s[1] !== first[1] || s[2] !== first[2]) {
          throw new LayerSpecError(
            `add.inputs[${i}]`,
            `shape [${s.join(', ')}] differs from [${first.join(', ')}]`,
          );
        }
      });
      return first;
    }
    case 'concat': {
      if (inputs.length < 1) throw new LayerSpecError('concat.inputs', 'expects at least 1 input');
      const first = inputs[0]!;
      let channels = 0;
      inputs.forEach((s, i) => {
        if (s[0] !== first[0] || s[1] !== first[1]) {
          throw new LayerSpecError(
            `concat.inputs[${i}]`,
            `spatial size ${s[0]}x${s[1]} differs from ${first[0]}x${first[1]} (channel mismatch along the concat axis is allowed, spatial is not)`,
          );
        }
        channels += s[2];
      });
      return [first[0], first[1], channels];
    }
    case 'unsupported':
      if (spec.outputShape) return spec.outputShape;
      if (inputs.length === 0)
        throw new LayerSpecError('unsupported.outputShape', 'needed when the layer has no input');
      return inputs[0]!;
    case 'activation':
    case 'batchnorm':
    case 'dropout':
    case 'lrn':
    case 'softmax':
      return single(spec.kind, inputs);
  }
}
