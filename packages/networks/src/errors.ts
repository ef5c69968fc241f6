import { NetworkError } from '@neuralpower/core';

/**
 * A network description file is malformed. Extends the core's NetworkError (layer + field)
 * with the file it came from, so the message reads `file: layer "x" field y: problem`.
 */
export class NetworkFileError extends NetworkError {
  readonly file: string;
  constructor(file: string, layer: string, message: string, field?: string) {
    super(layer, message, field);
    this.name = 'NetworkFileError';
    this.file = file;
    this.message = `${file}: ${this.message}`;
  }
}

/** Re-throws a NetworkError (from an importer or buildNetwork) with the file name attached. */
export function withFileName<T>(file: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof NetworkFileError) throw err;
    if (err instanceof NetworkError) throw new NetworkFileError(file, err.layer, err.detail, err.field);
    throw err;
  }
}

/** A network reference is neither a zoo name nor a readable file (or an unknown zoo name). */
export class UnknownNetworkError extends NetworkError {
  readonly ref: string;
  constructor(ref: string, message: string) {
    super(ref, message);
    this.name = 'UnknownNetworkError';
    this.ref = ref;
    this.message = message;
  }
}
