import { NetworkError } from '@neuralpower/core';

/** What a caller may override when building or importing a network. */
export interface NetworkOptions {
  /** Examples per forward pass; defaults to the file's own batch (or 1). */
  readonly batch?: number;
  /** Input height and width; defaults to the file's own (or the zoo network's default). */
  readonly input?: readonly [number, number];
}

/** Checks caller options once, so every builder and importer can trust them. */
export function checkOptions(opts: NetworkOptions | undefined): void {
  if (!opts) return;
  if (opts.batch !== undefined && (!Number.isInteger(opts.batch) || opts.batch <= 0)) {
    throw new NetworkError('(options)', `batch must be a positive integer (got ${opts.batch})`, 'batch');
  }
  if (opts.input !== undefined) {
    const [h, w] = opts.input;
    if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) {
      throw new NetworkError(
        '(options)',
        `input must be two positive integers HxW (got ${opts.input.join('x')})`,
        'input',
      );
    }
  }
}
