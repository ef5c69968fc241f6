import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  loadForShow,
  parseInputSize,
  renderNetwork,
  renderZooList,
} from '../../cli/src/commands/networks.js';

const ROOT = join(import.meta.dirname, '../../..');
const MNIST = join(ROOT, '../shared/reference/paleo-nets/mnist.json');

describe('neuralpower networks', () => {
  it('shows a Paleo file as a table with totals', async () => {
    const text = renderNetwork(await loadForShow({ network: MNIST, batch: 2 }), false);
    expect(text).toContain('LeNet: batch 2, input 28x28x1, 7 layers');
    expect(text).toMatch(/conv2\s+conv\s+12x12x20\s+8x8x50\s+25,050\s+1,600,000/);
    expect(text).toMatch(/total\s+431,080\s+2,293,000/);
    expect(text).toContain('MACs per batch: 4,586,000');
  });

  it('prints JSON for a zoo network at another input size', async () => {
    const summary = JSON.parse(
      renderNetwork(await loadForShow({ network: 'resnet18', input: '112x112' }), true),
    );
    expect(summary.input).toEqual([112, 112, 3]);
    expect(summary.totals.params).toBe(11_689_512);
    expect(summary.layers[0]).toMatchObject({ name: 'conv1', kind: 'conv', output: [56, 56, 64] });
  });

  it('lists the zoo and validates options', async () => {
    expect(renderZooList(false)).toMatch(/^name\s+input\s+description\n/);
    expect(JSON.parse(renderZooList(true))).toHaveLength(13);
    expect(parseInputSize('224')).toEqual([224, 224]);
    expect(parseInputSize('160x128')).toEqual([160, 128]);
    expect(() => parseInputSize('1x')).toThrow(/--input must be HxW/);
    await expect(loadForShow({ network: 'vgg16', batch: 0 })).rejects.toThrow(
      /--batch must be a positive integer/,
    );
  });

  it('runs as a command and fails with one clear line for an unknown network', async () => {
    const run = promisify(execFile)('node', ['bin/neuralpower.js', 'networks', 'show', 'nonet'], {
      cwd: ROOT,
    });
    const err = (await run.then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    )) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(
      /^error: "nonet" is neither a zoo network nor a readable file; zoo networks: lenet5/m,
    );
  });
});
