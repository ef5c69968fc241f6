import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FAKE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-nvidia-smi.mjs');

/** A temp dir holding an executable `nvidia-smi` that runs the fake; put it first on PATH. */
export function fakeNvidiaSmiDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'np-fake-smi-'));
  const exe = path.join(dir, 'nvidia-smi');
  writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}" "${FAKE}" "$@"\n`);
  chmodSync(exe, 0o755);
  return dir;
}

export function withPath(dir: string): string {
  return `${dir}${path.delimiter}${process.env['PATH'] ?? ''}`;
}
