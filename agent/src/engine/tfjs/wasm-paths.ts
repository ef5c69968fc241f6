import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The wasm backend fetches its .wasm binaries by URL; under Node it needs a file path to the
 * package's dist directory (with a trailing separator) or it tries `fetch` and fails.
 */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return (
    path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep
  );
}
