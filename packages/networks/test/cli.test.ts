import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['bin/neuralpower.js', ...args], {
      cwd: ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('neuralpower networks', () => {
  it('shows a Paleo file as a table with totals', async () => {
    const r = await run('networks', 'show', '../shared/reference/paleo-nets/mnist.json', '--batch', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('LeNet: batch 2, input 28x28x1, 7 layers');
    expect(r.stdout).toMatch(/conv2\s+conv\s+12x12x20\s+8x8x50\s+25,050\s+1,600,000/);
    expect(r.stdout).toMatch(/total\s+431,080\s+2,293,000/);
    expect(r.stdout).toContain('MACs per batch: 4,586,000');
  });

  it('prints JSON for a zoo network at another input size', async () => {
    const r = await run('networks', 'show', 'resnet18', '--input', '112x112', '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.input).toEqual([112, 112, 3]);
    expect(summary.totals.params).toBe(11_689_512);
    expect(summary.layers[0]).toMatchObject({ name: 'conv1', kind: 'conv', output: [56, 56, 64] });
  });

  it('fails with one clear line for an unknown network', async () => {
    const r = await run('networks', 'show', 'nonet');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: "nonet" is neither a zoo network nor a readable file; zoo networks: lenet5/,
    );
  });
});
