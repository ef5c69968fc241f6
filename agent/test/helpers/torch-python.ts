import { existsSync } from 'node:fs';

/**
 * The Python with torch the tests use: $NEURALPOWER_PYTHON, else Debian's /usr/bin/python3 (where
 * .ci/run installs python3-torch), else python3 on PATH.
 */
export const TORCH_PYTHON =
  process.env['NEURALPOWER_PYTHON'] ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
