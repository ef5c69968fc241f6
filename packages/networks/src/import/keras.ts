import { type Network, NetworkError } from '@neuralpower/core';
import type { NetworkOptions } from '../options.js';
import { isRecord } from './fields.js';

export function importKeras(_json: unknown, _opts: NetworkOptions = {}): Network {
  throw new NetworkError('(file)', 'Keras / TF.js import is not implemented yet');
}

export function looksLikeKeras(json: unknown): boolean {
  return (
    isRecord(json) &&
    (isRecord(json['modelTopology']) || (typeof json['class_name'] === 'string' && isRecord(json['config'])))
  );
}
