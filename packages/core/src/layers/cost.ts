import { elementCount } from './shape.js';
import type { LayerSpec, Shape } from './spec.js';

export const BYTES_PER_ELEMENT = 4; // float32, what the engines run

export interface LayerCost {
  /** Multiply-accumulates for one example. */
  readonly macsPerExample: number;
  /** Floating-point operations for one example (2 per MAC; 1 per element for element-wise kinds). */
  readonly flopsPerExample: number;
  /** Trainable parameters (torchvision/Keras "trainable" convention: batch-norm counts gamma and beta). */
  readonly params: number;
  /** Bytes read and written for one forward pass of the whole batch: inputs, output and all weights/state. */
  readonly bytesMoved: number;
}

/** Weight elements the layer reads (trainable parameters plus stored state such as batch-norm statistics). */
function weights(spec: LayerSpec, inputs: readonly Shape[]): { params: number; stored: number } {
  const input = inputs[0];
  switch (spec.kind) {
    case 'conv': {
      const cin = input ? input[2] : 0;
      const params =
        spec.kernelH * spec.kernelW * (cin / spec.groups) * spec.filters + (spec.bias ? spec.filters : 0);
      return { params, stored: params };
    }
    case 'fc': {
      const fanIn = input ? elementCount(input) : 0;
      const params = fanIn * spec.units + (spec.bias ? spec.units : 0);
      return { params, stored: params };
    }
    case 'batchnorm': {
      const c = input ? input[2] : 0;
      return { params: 2 * c, stored: 4 * c };
    }
    default:
      return { params: 0, stored: 0 };
  }
}

function flopsAndMacs(
  spec: LayerSpec,
  inputs: readonly Shape[],
  output: Shape,
): { macs: number; flops: number } {
  const input = inputs[0] ?? output;
  const outElems = elementCount(output);
  const inElems = elementCount(input);
  switch (spec.kind) {
    case 'conv': {
      const macs = outElems * spec.kernelH * spec.kernelW * (input[2] / spec.groups);
      return { macs, flops: 2 * macs };
    }
    case 'fc': {
      const macs = inElems * spec.units;
      return { macs, flops: 2 * macs };
    }
    case 'pool':
      return { macs: 0, flops: outElems * spec.kernelH * spec.kernelW };
    case 'globalpool':
      return { macs: 0, flops: inElems };
    case 'batchnorm':
      return { macs: 0, flops: 2 * outElems };
    case 'add':
      return { macs: 0, flops: (inputs.length - 1) * outElems };
    case 'lrn':
      return { macs: 0, flops: outElems * (2 * spec.depthRadius + 1 + 3) };
    case 'softmax':
      return { macs: 0, flops: 3 * outElems };
    case 'activation':
    case 'dropout':
      return { macs: 0, flops: outElems };
    case 'concat':
    case 'flatten':
    case 'reshape':
    case 'pad':
    case 'unsupported':
      return { macs: 0, flops: 0 };
  }
}

export function layerCost(
  spec: LayerSpec,
  inputs: readonly Shape[],
  output: Shape,
  batch: number,
): LayerCost {
  const { macs, flops } = flopsAndMacs(spec, inputs, output);
  const { params, stored } = weights(spec, inputs);
  const activationElems = inputs.reduce((sum, s) => sum + elementCount(s), 0) + elementCount(output);
  return {
    macsPerExample: macs,
    flopsPerExample: flops,
    params,
    bytesMoved: BYTES_PER_ELEMENT * (batch * activationElems + stored),
  };
}
