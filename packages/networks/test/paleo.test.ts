import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkTotals } from '@neuralpower/core';
import { describe, expect, it } from 'vitest';
import { importPaleo, loadNetwork, parseNetworkBytes, zooNetwork } from '../src/index.js';

const DIR = join(import.meta.dirname, '../../../../shared/reference/paleo-nets');

/**
 * Per file: layers (every Paleo layer but Input, Blocks expanded), final output shape, batch,
 * and FLOPs per example (2 per MAC plus the core's element-wise counts for pools, softmax, ...).
 */
const EXPECTED: Record<string, { layers: number; output: number[]; batch: number; flops: number }> = {
  'alex_v2.json': { layers: 14, output: [1, 1, 1000], batch: 128, flops: 1_473_818_552 },
  'cifar10.json': { layers: 10, output: [1, 1, 10], batch: 128, flops: 21_618_590 },
  'cifar10_6conv.json': { layers: 14, output: [1, 1, 10], batch: 128, flops: 1_284_462_622 },
  'densenet.json': { layers: 158, output: [1, 1, 10], batch: 10, flops: 535_274_270 },
  'inception_v3.json': { layers: 125, output: [1, 1, 1000], batch: 64, flops: 11_299_511_928 },
  'mnist.json': { layers: 7, output: [1, 1, 10], batch: 128, flops: 4_600_750 },
  'nin.json': { layers: 18, output: [1, 1, 1000], batch: 128, flops: 1_939_961_568 },
  'overfeat.json': { layers: 14, output: [1, 1, 1000], batch: 128, flops: 5_294_528_440 },
  'resnet101.json': { layers: 142, output: [1, 1, 1000], batch: 20, flops: 15_103_796_472 },
  'resnet50.json': { layers: 73, output: [1, 1, 1000], batch: 1, flops: 7_675_942_136 },
  'vgg16.json': { layers: 24, output: [1, 1, 1000], batch: 64, flops: 30_946_661_304 },
  'vgg19.json': { layers: 21, output: [7, 7, 512], batch: 64, flops: 39_022_979_072 },
};

const macs = (n: Parameters<typeof networkTotals>[0]) => networkTotals(n).macsPerExample;

describe('Paleo JSON import', () => {
  it('covers every file in the reference set', () => {
    expect(readdirSync(DIR).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`imports ${file}`, async () => {
      const n = await loadNetwork(join(DIR, file));
      expect(n.layers.length).toBe(want.layers);
      expect(n.layers[n.layers.length - 1]!.output).toEqual(want.output);
      expect(n.batch).toBe(want.batch);
      expect(networkTotals(n).flopsPerExample).toBe(want.flops);
      expect(n.layers.filter((l) => l.spec.kind === 'unsupported')).toEqual([]);
    });
  }

  it('counts MNIST LeNet by hand: 2,293,000 MACs', async () => {
    // conv1 24·24·20·25 + conv2 8·8·50·500 + ip1 800·500 + ip2 500·10
    expect(macs(await loadNetwork(join(DIR, 'mnist.json')))).toBe(288_000 + 1_600_000 + 400_000 + 5_000);
  });

  it('agrees with the zoo on the paper networks', async () => {
    for (const [file, zoo] of [
      ['vgg16.json', 'vgg16'],
      ['nin.json', 'nin'],
      ['overfeat.json', 'overfeat'],
      ['cifar10_6conv.json', 'cifar10-6conv'],
    ] as const) {
      const paleo = networkTotals(await loadNetwork(join(DIR, file)));
      const built = networkTotals(zooNetwork(zoo));
      expect([file, paleo.macsPerExample, paleo.params]).toEqual([file, built.macsPerExample, built.params]);
    }
  });

  it('turns fully connected layers written as convolutions into fc layers', async () => {
    const n = await loadNetwork(join(DIR, 'alex_v2.json'));
    const fc6 = n.layers.find((l) => l.name === 'fc6')!;
    expect(fc6.spec).toEqual({ kind: 'fc', units: 4096, bias: true });
    expect(fc6.inputs).toEqual([[5, 5, 256]]);
    expect(n.layers.find((l) => l.name === 'fc8')!.spec.kind).toBe('fc');
  });

  it('infers C_in = -1 and expands blocks into BLOCK/INNER layers', async () => {
    const r = await loadNetwork(join(DIR, 'resnet50.json'));
    const conv = r.layers.find((l) => l.name === 'res2a_branch2b')!;
    // The file pools 112 → 55 with a VALID 3×3 window (Caffe would give 56 with ceil rounding).
    expect(conv.inputs).toEqual([[55, 55, 64]]);
    expect(conv.params).toBe(3 * 3 * 64 * 64 + 64);
    const inc = await loadNetwork(join(DIR, 'inception_v3.json'));
    const concat = inc.layers.find((l) => l.name === 'Mixed_5b/concat')!;
    expect(concat.output).toEqual([35, 35, 256]);
    expect(inc.layers.find((l) => l.name === 'Mixed_5c/Branch_0/Conv2d_0a_1x1')!.parents).toEqual([
      'Mixed_5b/concat',
    ]);
  });

  it('takes batch and input size from options over the file', async () => {
    const n = await loadNetwork(join(DIR, 'vgg16.json'), { batch: 8, input: [256, 256] });
    expect(n.batch).toBe(8);
    expect(n.input).toEqual([256, 256, 3]);
    expect(n.layers.find((l) => l.name === 'pool5')!.output).toEqual([8, 8, 512]);
  });

  it('maps unknown layer types to unsupported entries', () => {
    const n = importPaleo({
      name: 't',
      layers: {
        data: { type: 'Input', parents: [], tensor: [2, 8, 8, 3] },
        up: { type: 'Upsample', parents: ['data'] },
        conv: {
          type: 'Convolution',
          parents: ['up'],
          filter: [3, 3, -1, 4],
          padding: 'SAME',
          strides: [1, 1, 1, 1],
        },
      },
    });
    expect(n.layers.map((l) => [l.name, l.spec.kind])).toEqual([
      ['up', 'unsupported'],
      ['conv', 'conv'],
    ]);
    expect(n.layers[0]!.spec).toEqual({ kind: 'unsupported', sourceType: 'Paleo.Upsample' });
  });

  it('fails on malformed files naming the file, the layer and the field', () => {
    const bad = (layers: object) =>
      parseNetworkBytes(new TextEncoder().encode(JSON.stringify({ name: 'x', layers })), 'bad.json');
    const data = { type: 'Input', parents: [], tensor: [1, 8, 8, 3] };
    expect(() =>
      bad({ data, c: { type: 'Convolution', parents: ['data'], filter: [3, 3, 3], strides: [1, 1, 1, 1] } }),
    ).toThrow(/^bad\.json: layer "c" field filter: must be an array of 4 integers/);
    expect(() =>
      bad({
        data,
        c: { type: 'Convolution', parents: ['data'], filter: [3, 3, 5, 8], strides: [1, 1, 1, 1] },
      }),
    ).toThrow(/^bad\.json: layer "c" field filter\[2\]: C_in 5 does not match the input's 3 channels/);
    expect(() => bad({ data, p: { type: 'Pooling', parents: ['nope'], ksize: [1, 2, 2, 1] } })).toThrow(
      /^bad\.json: layer "p" field parents: unknown parent "nope"/,
    );
    expect(() =>
      bad({ data, p: { type: 'Pooling', parents: ['data'], ksize: [1, 9, 9, 1], padding: 'VALID' } }),
    ).toThrow(/^bad\.json: layer "p" field pool\.kernelH: effective kernel 9 is larger/);
    expect(() => bad({ data, d: { type: 'Dropout', parents: ['data'], dropout_keep_prob: 2 } })).toThrow(
      /^bad\.json: layer "d" field dropout_keep_prob/,
    );
    expect(() => bad({ c: { type: 'Softmax', parents: [] } })).toThrow(
      /^bad\.json: .*exactly one Input layer/,
    );
  });

  it('reads the same network from bytes as from the file', async () => {
    const path = join(DIR, 'nin.json');
    const fromBytes = parseNetworkBytes(new Uint8Array(readFileSync(path)), 'nin.json');
    expect(fromBytes.layers).toEqual((await loadNetwork(path)).layers);
  });
});
