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
    if (err instanceof NetworkError) {
      // The core prefixes its message with the layer and field; keep only the problem text.
      const prefix = `layer ${JSON.stringify(err.layer)}${err.field ? ` field ${err.field}` : ''}: `;
      let text = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
      // buildNetwork passes LayerSpecError messages on whole, which repeat the field.
      if (err.field && text.startsWith(`${err.field}: `)) text = text.slice(err.field.length + 2);
      throw new NetworkFileError(file, err.layer, text, err.field);
    }
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
