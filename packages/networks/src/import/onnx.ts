import { type Network, NetworkError } from '@neuralpower/core';
import type { NetworkOptions } from '../options.js';

export function importOnnx(_bytes: Uint8Array, _opts: NetworkOptions = {}): Network {
  throw new NetworkError('(file)', 'ONNX import is not implemented yet');
}
