import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkError, networkTotals } from '@neuralpower/core';
import { describe, expect, it } from 'vitest';
import {
  detectFormat,
  importPaleo,
  loadNetwork,
  NetworkFileError,
  parseNetworkBytes,
  summarizeNetwork,
  toNativeJson,
  UnknownNetworkError,
  zooNetwork,
} from '../src/index.js';

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dir = mkdtempSync(join(tmpdir(), 'np-load-'));

describe('loading networks', () => {
  it('round-trips the core JSON format and overrides batch and input', async () => {
    const net = zooNetwork('squeezenet1.1', { batch: 4 });
    const file = join(dir, 'squeeze.json');
    writeFileSync(file, JSON.stringify(toNativeJson(net)));
    const back = await loadNetwork(file);
    expect(back).toEqual(net);
    const bigger = await loadNetwork(file, { batch: 2, input: [256, 256] });
    expect([bigger.batch, bigger.input]).toEqual([2, [256, 256, 3]]);
    expect(networkTotals(bigger).params).toBe(networkTotals(net).params);
  });

  it('reports bad core JSON naming the file, the layer and the field', () => {
    const doc = {
      name: 'n',
      input: [8, 8, 3],
      nodes: [
        { name: 'c', spec: { kind: 'conv', filters: 4, kernelH: 3 }, parents: [] },
        { name: 'p', spec: { kind: 'pool' }, parents: ['c'] },
      ],
    };
    expect(() => parseNetworkBytes(encode(doc), 'n.json')).toThrow(
      /^n\.json: layer "c" field conv\.kernelW: must be a positive integer/,
    );
    expect(() => parseNetworkBytes(encode({ ...doc, input: [8, 8] }), 'n.json')).toThrow(
      /^n\.json: layer "\(file\)" field input: must be a shape \[H, W, C\]/,
    );
    try {
      parseNetworkBytes(encode(doc), 'n.json');
    } catch (err) {
      expect(err).toBeInstanceOf(NetworkFileError);
      expect(err).toBeInstanceOf(NetworkError);
      expect(err).toMatchObject({ file: 'n.json', layer: 'c', field: 'conv.kernelW' });
    }
  });

  it('tells the formats apart by content', () => {
    expect(detectFormat(encode({ name: 'x', input: [1, 1, 1], nodes: [] }), 'a.json').format).toBe('native');
    expect(detectFormat(encode({ layers: {} }), 'a.json').format).toBe('paleo');
    expect(detectFormat(encode({ modelTopology: {} }), 'a.json').format).toBe('keras');
    expect(detectFormat(encode({ class_name: 'Sequential', config: {} }), 'a.json').format).toBe('keras');
    expect(detectFormat(new Uint8Array([8, 1, 18, 0]), 'model').format).toBe('onnx');
    expect(() => detectFormat(encode({ foo: 1 }), 'odd.json')).toThrow(
      /^odd\.json: .*is not a network description this tool reads/,
    );
    expect(() => detectFormat(new TextEncoder().encode('{"layers": '), 'cut.json')).toThrow(
      /^cut\.json: .*is not valid JSON/,
    );
  });

  it('names binary formats it does not read', () => {
    const h5 = new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(() => parseNetworkBytes(h5, 'model.h5')).toThrow(
      /^model\.h5: .*is a Keras HDF5 \(\.h5\) file; save the architecture with model\.to_json\(\)/,
    );
    expect(() => parseNetworkBytes(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0]), 'resnet.pth')).toThrow(
      /is a zip archive \(a PyTorch/,
    );
  });

  it('loads a TF.js model directory through its model.json', async () => {
    const modelDir = join(dir, 'tfjs-model');
    mkdirSync(modelDir);
    const topology = {
      modelTopology: {
        class_name: 'Sequential',
        config: {
          name: 'tiny',
          layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 4] } }],
        },
      },
      weightsManifest: [],
    };
    writeFileSync(join(modelDir, 'model.json'), JSON.stringify(topology));
    const n = await loadNetwork(modelDir);
    expect(n.layers.map((l) => [l.name, l.params])).toEqual([['d', 10]]);
  });

  it('names unnamed networks after the file', () => {
    const paleo = {
      layers: {
        data: { type: 'Input', parents: [], tensor: [1, 4, 4, 1] },
        s: { type: 'Softmax', parents: ['data'] },
      },
    };
    expect(parseNetworkBytes(encode(paleo), '/x/my-net.json').name).toBe('my-net');
    expect(importPaleo(paleo).name).toBe('paleo');
  });

  it('resolves Paleo block references by block name to the endpoint', () => {
    const n = importPaleo({
      name: 'b',
      layers: {
        data: { type: 'Input', parents: [], tensor: [1, 8, 8, 3] },
        blk: {
          type: 'Block',
          parents: ['data'],
          endpoint: 'cat',
          layers: {
            a: {
              type: 'Convolution',
              parents: [],
              filter: [1, 1, -1, 4],
              padding: 'SAME',
              strides: [1, 1, 1, 1],
            },
            b: {
              type: 'Convolution',
              parents: [],
              filter: [3, 3, -1, 4],
              padding: 'SAME',
              strides: [1, 1, 1, 1],
            },
            cat: { type: 'Concatenate', parents: ['a', 'b'], dim: 3 },
          },
        },
        out: {
          type: 'Pooling',
          parents: ['blk'],
          ksize: [1, 2, 2, 1],
          strides: [1, 2, 2, 1],
          padding: 'VALID',
        },
        sum: { type: 'Elementwise', parents: ['blk', 'out2'] },
        out2: { type: 'Concatenate', parents: ['blk/a', 'blk/b'], dim: 3 },
      },
    });
    expect(n.layers.find((l) => l.name === 'sum')!.parents).toEqual(['blk/cat', 'out2']);
    expect(n.layers.find((l) => l.name === 'out')!.parents).toEqual(['blk/cat']);
    expect(n.layers.find((l) => l.name === 'blk/cat')!.output).toEqual([8, 8, 8]);
    expect(() =>
      importPaleo({
        layers: {
          data: { type: 'Input', parents: [], tensor: [1, 8, 8, 3] },
          sum: { type: 'Elementwise', parents: ['blk/cat', 'blk/a'] },
        },
      }),
    ).toThrow(/unknown parent "blk\/cat"/);
  });

  it('keeps the network input nameable when a layer combines it with others', () => {
    const n = importPaleo({
      layers: {
        data: { type: 'Input', parents: [], tensor: [1, 8, 8, 3] },
        c: {
          type: 'Convolution',
          parents: ['data'],
          filter: [3, 3, -1, 3],
          padding: 'SAME',
          strides: [1, 1, 1, 1],
        },
        sum: { type: 'Elementwise', parents: ['c', 'data'] },
      },
    });
    expect(n.layers.map((l) => [l.name, l.spec.kind, l.parents])).toEqual([
      ['data', 'reshape', []],
      ['c', 'conv', ['data']],
      ['sum', 'add', ['c', 'data']],
    ]);
  });

  it('summarises a network for the CLI and the HTTP API', () => {
    const s = summarizeNetwork(zooNetwork('mobilenet-v2', { batch: 2 }));
    expect(s.totals).toMatchObject({ params: 3_504_872 });
    expect(s.totals.macsPerBatch).toBe(2 * s.totals.macsPerExample);
    expect(s.layers.find((l) => l.name === 'features.1/dw')).toMatchObject({
      kind: 'conv',
      modelKind: 'dwconv',
    });
    expect(s.unsupported).toEqual([]);
  });

  it('rejects a reference that is neither a zoo name nor a file', async () => {
    await expect(loadNetwork(join(dir, 'missing.onnx'))).rejects.toThrow(UnknownNetworkError);
    await expect(loadNetwork('alexnet2')).rejects.toThrow(
      /"alexnet2" is neither a zoo network nor a readable file; zoo networks: lenet5/,
    );
  });
});
