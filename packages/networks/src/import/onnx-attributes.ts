import { NetworkError, type Padding, type Shape } from '@neuralpower/core';
import { brief } from './fields.js';
import {
  type OnnxAttribute,
  type OnnxNode,
  type OnnxTensor,
  TENSOR_FLOAT,
  TENSOR_INT64,
} from './onnx-schema.js';

// Reading ONNX node attributes, small constant tensors and window padding.

/** float32 constants as the short decimals they were written as (0.2, not 0.20000000298). */
export const float32 = (v: number) => Number.parseFloat(v.toPrecision(7));

/** Tensor values of a small constant (shapes, clip bounds); weights are never decoded. */
export function tensorValues(t: OnnxTensor, node: string, field: string): number[] {
  if (t.int64Data.length > 0) return t.int64Data;
  if (t.floatData.length > 0) return t.floatData.map(float32);
  if (t.int32Data.length > 0) return t.int32Data;
  if (t.doubleData.length > 0) return t.doubleData;
  const raw = t.rawData;
  if (!raw || raw.length === 0) return [];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: number[] = [];
  if (t.dataType === TENSOR_INT64) {
    for (let o = 0; o + 8 <= raw.length; o += 8) out.push(Number(view.getBigInt64(o, true)));
  } else if (t.dataType === TENSOR_FLOAT) {
    for (let o = 0; o + 4 <= raw.length; o += 4) out.push(float32(view.getFloat32(o, true)));
  } else {
    throw new NetworkError(node, `constant of data type ${t.dataType} is not readable here`, field);
  }
  return out;
}

export function attr(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attribute.find((a) => a.name === name);
}
export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  return attr(node, name)?.i ?? fallback;
}
export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = attr(node, name);
  return a && a.ints.length > 0 ? a.ints : undefined;
}
export function attrFloat(node: OnnxNode, name: string): number | undefined {
  const f = attr(node, name)?.f;
  return f === undefined ? undefined : float32(f);
}
export function attrString(node: OnnxNode, name: string): string | undefined {
  const s = attr(node, name)?.s;
  return s ? new TextDecoder().decode(s) : undefined;
}

/** Rank of a value in ONNX terms: 4 for [N, C, H, W], 2 for [N, F]. */
export type Rank = 2 | 4;

export interface Value {
  /** Producing node, or '' for the network input. */
  node: string;
  rank: Rank;
}

export function pair(
  values: number[] | undefined,
  node: string,
  field: string,
  fallback: [number, number],
): [number, number] {
  if (values === undefined) return fallback;
  if (values.length !== 2 || values.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new NetworkError(node, `must be two positive integers (got ${brief(values)})`, field);
  }
  return [values[0]!, values[1]!];
}

/**
 * ONNX padding → the core's: SAME_UPPER is TensorFlow's SAME; SAME_LOWER puts the extra pixel
 * first; `pads` is [top, left, bottom, right]; neither means no padding.
 */
export function padding(
  node: OnnxNode,
  name: string,
  input: Shape,
  kernel: [number, number],
  stride: [number, number],
  dilation: [number, number],
): Padding {
  const auto = attrString(node, 'auto_pad') ?? 'NOTSET';
  if (auto === 'SAME_UPPER') return 'SAME';
  if (auto === 'VALID') return 'VALID';
  if (auto === 'SAME_LOWER') {
    const axis = (size: number, k: number, s: number, d: number): [number, number] => {
      const total = Math.max((Math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0);
      return [Math.ceil(total / 2), Math.floor(total / 2)];
    };
    const [top, bottom] = axis(input[0], kernel[0], stride[0], dilation[0]);
    const [left, right] = axis(input[1], kernel[1], stride[1], dilation[1]);
    return { top, bottom, left, right };
  }
  if (auto !== 'NOTSET') {
    throw new NetworkError(
      name,
      `must be NOTSET, SAME_UPPER, SAME_LOWER or VALID (got ${brief(auto)})`,
      'auto_pad',
    );
  }
  const pads = attrInts(node, 'pads');
  if (pads === undefined) return 'VALID';
  if (pads.length !== 4 || pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new NetworkError(
      name,
      `must be 4 non-negative integers [top, left, bottom, right] (got ${brief(pads)})`,
      'pads',
    );
  }
  return { top: pads[0]!, left: pads[1]!, bottom: pads[2]!, right: pads[3]! };
}

/** PyTorch/ONNX `ceil_mode`: extra padding after so the floor rule gives the rounded-up size. */
export function ceilPadding(
  p: Padding,
  input: Shape,
  kernel: [number, number],
  stride: [number, number],
): Padding {
  if (p === 'SAME') return p;
  const e = p === 'VALID' ? { top: 0, bottom: 0, left: 0, right: 0 } : p;
  const extra = (size: number, before: number, after: number, k: number, s: number) => {
    const padded = size + before + after;
    let out = Math.ceil((padded - k) / s) + 1;
    if ((out - 1) * s >= size + before) out -= 1;
    return Math.max((out - 1) * s + k - padded, 0);
  };
  const eh = extra(input[0], e.top, e.bottom, kernel[0], stride[0]);
  const ew = extra(input[1], e.left, e.right, kernel[1], stride[1]);
  if (eh === 0 && ew === 0) return p;
  return { top: e.top, bottom: e.bottom + eh, left: e.left, right: e.right + ew };
}
