import { type Network, NetworkError } from '@neuralpower/core';
import {
  importKeras,
  importNative,
  importOnnx,
  importPaleo,
  type NetworkOptions,
  zooNetwork,
} from '@neuralpower/networks';
import { z } from 'zod';

/**
 * The network of a predict request: a zoo name, or a description in one of the formats the
 * networks package imports (ONNX travels as base64 inside the JSON body).
 */
export const networkInputSchema = z.union([
  z.string().min(1).max(200),
  z.object({ zoo: z.string().min(1).max(200) }).strict(),
  z.object({ paleo: z.unknown() }).strict(),
  z.object({ keras: z.unknown() }).strict(),
  z.object({ native: z.unknown() }).strict(),
  z.object({ onnx: z.string().min(1) }).strict(),
]);
export type NetworkInput = z.output<typeof networkInputSchema>;

/** Human name of the input, for logs and cache keys. */
export function zooName(input: NetworkInput): string | null {
  if (typeof input === 'string') return input;
  return 'zoo' in input ? input.zoo : null;
}

export function buildInputNetwork(input: NetworkInput, opts: NetworkOptions): Network {
  if (typeof input === 'string') return zooNetwork(input, opts);
  if ('zoo' in input) return zooNetwork(input.zoo, opts);
  if ('paleo' in input) return importPaleo(input.paleo, opts);
  if ('keras' in input) return importKeras(input.keras, opts);
  if ('native' in input) return importNative(input.native, opts);
  if (!/^[A-Za-z0-9+/=\s]+$/.test(input.onnx)) {
    throw new NetworkError('(file)', 'onnx must be the .onnx file encoded as base64', 'onnx');
  }
  return importOnnx(new Uint8Array(Buffer.from(input.onnx, 'base64')), opts);
}

/**
 * Bounds the size of a network description before anything builds it: at most `maxNodes` × 100
 * JSON values and 64 levels of nesting (a layer of a Keras file is tens of values, a few levels
 * deep). Walks iteratively, so deep nesting cannot overflow the stack here either.
 */
export function checkNetworkSize(input: NetworkInput, maxNodes: number): void {
  if (typeof input === 'string' || 'zoo' in input || 'onnx' in input) return;
  const maxValues = maxNodes * 100;
  const stack: { value: unknown; depth: number }[] = [{ value: Object.values(input)[0], depth: 1 }];
  let values = 0;
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    values++;
    if (values > maxValues) {
      throw new NetworkSizeError(
        `network description has more than ${maxValues} JSON values (limit for ${maxNodes} layers, --max-predict-nodes)`,
      );
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_DEPTH) {
      throw new NetworkSizeError(`network description is nested deeper than ${MAX_DEPTH} levels`);
    }
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      stack.push({ value: child, depth: depth + 1 });
    }
  }
}

const MAX_DEPTH = 64;

export class NetworkSizeError extends Error {
  override readonly name = 'NetworkSizeError';
}
