import {
  type ActivationFunction,
  type ConvSpec,
  conv,
  type ExplicitPadding,
  type PoolSpec,
  type Shape,
} from '@neuralpower/core';
import type { GraphBuilder } from '../graph-builder.js';

/** A zoo entry: networks are data, produced by a builder from an input shape. */
export interface ZooEntry {
  readonly name: string;
  readonly description: string;
  readonly defaultInput: readonly [number, number, number];
  readonly build: (b: GraphBuilder) => void;
}

/** PyTorch-style symmetric padding `p` on every side. */
export function same(p: number): ExplicitPadding {
  return { top: p, bottom: p, left: p, right: p };
}

/** A PyTorch Conv2d: explicit symmetric padding, bias unless followed by batch norm. */
export function torchConv(
  filters: number,
  kernel: number | readonly [number, number],
  stride: number,
  padding: number | readonly [number, number],
  options: { bias?: boolean; groups?: number } = {},
): ConvSpec {
  const [ph, pw] = typeof padding === 'number' ? [padding, padding] : padding;
  return conv(filters, kernel, {
    stride,
    padding: { top: ph, bottom: ph, left: pw, right: pw },
    bias: options.bias ?? true,
    groups: options.groups ?? 1,
  });
}

/** A PyTorch pooling window (floor mode) with symmetric padding `p`. */
export function torchPool(mode: 'max' | 'avg', kernel: number, stride: number, p = 0): PoolSpec {
  return {
    kind: 'pool',
    mode,
    kernelH: kernel,
    kernelW: kernel,
    strideH: stride,
    strideW: stride,
    padding: p === 0 ? 'VALID' : same(p),
  };
}

export function act(b: GraphBuilder, name: string, fn: ActivationFunction = 'relu'): string {
  return b.add(name, { kind: 'activation', fn });
}

/**
 * A pooling window with PyTorch `ceil_mode=True`: the output size rounds up, which we express
 * as extra padding after (bottom/right) so the core's floor rule gives the same size.
 */
export function ceilPool(
  mode: 'max' | 'avg',
  kernel: number,
  stride: number,
  input: Shape,
  pad = 0,
): PoolSpec {
  const axis = (size: number): [number, number] => {
    let out = Math.ceil((size + 2 * pad - kernel) / stride) + 1;
    // PyTorch drops a last window that would start entirely in the padding.
    if ((out - 1) * stride >= size + pad) out -= 1;
    const needed = (out - 1) * stride + kernel - (size + 2 * pad);
    return [pad, pad + Math.max(needed, 0)];
  };
  const [top, bottom] = axis(input[0]);
  const [left, right] = axis(input[1]);
  return {
    kind: 'pool',
    mode,
    kernelH: kernel,
    kernelW: kernel,
    strideH: stride,
    strideW: stride,
    padding: { top, bottom, left, right },
  };
}

/**
 * PyTorch AdaptiveAvgPool2d to `out`×`out`, as a fixed window for this input size (exact when
 * the size divides evenly; otherwise the closest uniform window). Absent when already that size.
 */
export function adaptiveAvgPool(b: GraphBuilder, name: string, out: number): string | undefined {
  const [h, w] = b.shape(b.last);
  if (h === out && w === out) return undefined;
  const axis = (size: number): [number, number] => {
    const stride = Math.max(Math.floor(size / out), 1);
    return [size - (out - 1) * stride, stride];
  };
  const [kh, sh] = axis(h);
  const [kw, sw] = axis(w);
  return b.add(name, {
    kind: 'pool',
    mode: 'avg',
    kernelH: kh,
    kernelW: kw,
    strideH: sh,
    strideW: sw,
    padding: 'VALID',
  });
}
