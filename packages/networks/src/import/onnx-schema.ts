import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * ONNX messages as protobufjs decodes them with `onnx.proto` (int64 as numbers, repeated fields
 * always present). Only the fields neuralpower reads are typed.
 */
export interface OnnxTensor {
  name?: string;
  dims: number[];
  dataType?: number;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  rawData?: Uint8Array;
  externalData: { key?: string; value?: string }[];
  dataLocation?: number;
}

export interface OnnxAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
}

export interface OnnxNode {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute: OnnxAttribute[];
}

export interface OnnxDimension {
  dimValue?: number;
  dimParam?: string;
}

export interface OnnxValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim: OnnxDimension[] } } };
}

export interface OnnxGraph {
  name?: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion?: number;
  producerName?: string;
  opsetImport: { domain?: string; version?: number }[];
  graph?: OnnxGraph;
}

export const TENSOR_FLOAT = 1;
export const TENSOR_INT64 = 7;

let modelType: protobuf.Type | undefined;

/** The ModelProto type, loaded once from the schema file next to this module. */
export function onnxModelType(): protobuf.Type {
  modelType ??= protobuf
    .loadSync(fileURLToPath(new URL('./onnx.proto', import.meta.url)))
    .lookupType('onnx.ModelProto');
  return modelType;
}

/** Decodes ONNX bytes; protobufjs reports malformed wire data with an offset. */
export function decodeOnnx(bytes: Uint8Array): OnnxModel {
  const type = onnxModelType();
  const message = type.decode(bytes);
  return type.toObject(message, { longs: Number, arrays: true, defaults: false }) as OnnxModel;
}

/** Encodes a model object (same field names as OnnxModel) to ONNX bytes. */
export function encodeOnnx(model: Record<string, unknown>): Uint8Array {
  const type = onnxModelType();
  const problem = type.verify(model);
  if (problem) throw new Error(`invalid ONNX model: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}
