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

/**
 * The same bounds on the raw request body, before `JSON.parse` builds anything: a 50 MB body of
 * 600k layers is refused after reading its first few MB of structure, without holding the event
 * loop for the parse. Counts values (`,` `[` `{` outside strings) and nesting; strings are skipped
 * with `indexOf`, so a large base64 ONNX string costs little.
 */
export function checkNetworkBodySize(body: Buffer, maxNodes: number): void {
  const maxValues = maxNodes * 100 + 100;
  let values = 0;
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === 0x22) {
      // Skip to the closing quote (one preceded by an even number of backslashes).
      let end = body.indexOf(0x22, i + 1);
      while (end > 0) {
        let slashes = 0;
        while (body[end - 1 - slashes] === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
        end = body.indexOf(0x22, end + 1);
      }
      if (end < 0) return; // unterminated: JSON.parse names the problem
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      values++;
      if (++depth > MAX_DEPTH + 4)
        throw new NetworkSizeError(`network description is nested deeper than ${MAX_DEPTH} levels`);
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c) values++;
    if (values > maxValues) {
      throw new NetworkSizeError(
        `network description has more than ${maxValues - 100} JSON values (limit for ${maxNodes} layers, --max-predict-nodes)`,
      );
    }
  }
}
