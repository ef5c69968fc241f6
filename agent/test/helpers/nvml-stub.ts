import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Compiles helpers/nvml-stub.c into a fresh libnvidia-ml.so.1 and returns its path. */
export function buildNvmlStub(): string {
  const source = path.join(path.dirname(fileURLToPath(import.meta.url)), 'nvml-stub.c');
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'np-nvml-stub-')), 'libnvidia-ml.so.1');
  execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', out, source]);
  return out;
}
