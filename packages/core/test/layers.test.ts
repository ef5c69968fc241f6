import { describe, expect, it } from 'vitest';
import {
  buildNetwork,
  conv,
  describeLayer,
  fc,
  inferOutputShape,
  LayerSpecError,
  modelKindOf,
  parseLayerSpec,
  pool,
} from '../src/index.js';

describe('shape inference and cost', () => {
  it('VGG-16 conv1_1 at 224x224x3 -> 64: 86.7 M MACs per image and 1,792 parameters', () => {
    const l = describeLayer({ spec: conv(64, 3), inputs: [[224, 224, 3]], batch: 1 });
    expect(l.output).toEqual([224, 224, 64]);
    expect(l.macsPerExample).toBe(224 * 224 * 64 * 3 * 3 * 3);
    expect(l.macsPerExample).toBe(86_704_128);
    expect(l.params).toBe(1792);
    expect(l.flopsPerExample).toBe(2 * 86_704_128);
  });

  it('follows TensorFlow SAME/VALID rules, dilation and explicit padding', () => {
    expect(inferOutputShape(conv(96, 11, { stride: 4, padding: 'VALID' }), [[227, 227, 3]])).toEqual([
      55, 55, 96,
    ]);
    expect(inferOutputShape(conv(8, 3, { stride: 2 }), [[7, 7, 3]])).toEqual([4, 4, 8]);
    expect(
      inferOutputShape(conv(8, 3, { dilationH: 2, dilationW: 2, padding: 'VALID' }), [[9, 9, 3]]),
    ).toEqual([5, 5, 8]);
    expect(
      inferOutputShape(conv(64, 7, { stride: 2, padding: { top: 3, bottom: 3, left: 3, right: 3 } }), [
        [224, 224, 3],
      ]),
    ).toEqual([112, 112, 64]);
    expect(inferOutputShape(pool('max', 3, 2, 'VALID'), [[55, 55, 96]])).toEqual([27, 27, 96]);
  });

  it('depthwise convolution has its own model kind and C_in/groups MACs', () => {
    const dw = conv(32, 3, { groups: 32, bias: false });
    const l = describeLayer({ spec: dw, inputs: [[112, 112, 32]], batch: 2 });
    expect(l.params).toBe(3 * 3 * 32);
    expect(l.macsPerExample).toBe(112 * 112 * 32 * 9);
    expect(modelKindOf(dw)).toBe('dwconv');
    expect(modelKindOf(conv(32, 3))).toBe('conv');
  });

  it('fc flattens its input; bytes count the whole batch plus weights', () => {
    const l = describeLayer({ spec: fc(4096), inputs: [[7, 7, 512]], batch: 2 });
    expect(l.params).toBe(7 * 7 * 512 * 4096 + 4096);
    expect(l.bytesMoved).toBe(4 * (2 * (7 * 7 * 512 + 4096) + l.params));
  });

  it('names the field of an invalid spec', () => {
    const bad = (v: unknown, field: string) => {
      try {
        parseLayerSpec(v);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(LayerSpecError);
        expect((e as LayerSpecError).field).toBe(field);
      }
    };
    bad({ ...conv(8, 3), kernelH: 0 }, 'conv.kernelH');
    bad({ kind: 'nope' }, 'spec.kind');
    bad({ kind: 'fc', units: -1, bias: true }, 'fc.units');
    bad({ kind: 'pool', mode: 'median' }, 'pool.mode');
    expect(() => inferOutputShape(conv(8, 5, { padding: 'VALID' }), [[3, 3, 1]])).toThrow(/conv.kernelH/);
    expect(() =>
      inferOutputShape({ kind: 'add' }, [
        [2, 2, 3],
        [2, 2, 4],
      ]),
    ).toThrow(/add.inputs\[1\]/);
    expect(() => inferOutputShape(conv(8, 3, { groups: 4 }), [[8, 8, 6]])).toThrow(/conv.groups/);
    expect(parseLayerSpec(conv(8, 3))).toEqual(conv(8, 3));
  });

  it('builds a graph in topological order and names the layer at fault', () => {
    const net = buildNetwork({
      name: 'tiny',
      batch: 4,
      input: [8, 8, 3],
      nodes: [
        { name: 'sum', spec: { kind: 'add' }, parents: ['a', 'b'] },
        { name: 'a', spec: conv(4, 3), parents: [] },
        { name: 'b', spec: conv(4, 1), parents: [] },
      ],
    });
    expect(net.layers.map((l) => l.name)).toEqual(['a', 'b', 'sum']);
    expect(net.layers[2]!.output).toEqual([8, 8, 4]);
    expect(() =>
      buildNetwork({
        name: 'bad',
        batch: 1,
        input: [8, 8, 3],
        nodes: [{ name: 'x', spec: fc(2), parents: ['y'] }],
      }),
    ).toThrow(/layer "x" field parents: unknown parent "y"/);
  });
});

describe('costs against hand-computed values', () => {
  it('AlexNet conv1 (227x227x3, 96 11x11 stride 4 VALID): 105.4 M MACs, 34,944 parameters', () => {
    const l = describeLayer({
      spec: conv(96, 11, { stride: 4, padding: 'VALID' }),
      inputs: [[227, 227, 3]],
      batch: 1,
    });
    expect(l.output).toEqual([55, 55, 96]);
    expect(l.macsPerExample).toBe(55 * 55 * 96 * 11 * 11 * 3);
    expect(l.macsPerExample).toBe(105_415_200);
    expect(l.params).toBe(11 * 11 * 3 * 96 + 96);
  });

  it('VGG-16 fc6 (7x7x512 -> 4096): 102.8 M MACs and parameters; 2 FLOPs per MAC', () => {
    const l = describeLayer({ spec: fc(4096), inputs: [[7, 7, 512]], batch: 64 });
    expect(l.macsPerExample).toBe(102_760_448);
    expect(l.params).toBe(102_764_544);
    expect(l.flopsPerExample).toBe(2 * 102_760_448);
  });

  it('pooling counts one FLOP per window element; it has no parameters', () => {
    const l = describeLayer({ spec: pool('max', 2), inputs: [[224, 224, 64]], batch: 1 });
    expect(l.output).toEqual([112, 112, 64]);
    expect(l.flopsPerExample).toBe(112 * 112 * 64 * 4);
    expect(l.macsPerExample).toBe(0);
    expect(l.params).toBe(0);
  });

  it('batch-norm has 2C parameters and reads 4C stored values; concat adds channels', () => {
    const bn = describeLayer({ spec: { kind: 'batchnorm' }, inputs: [[56, 56, 64]], batch: 2 });
    expect(bn.params).toBe(128);
    expect(bn.bytesMoved).toBe(4 * (2 * 2 * 56 * 56 * 64 + 4 * 64));
    const cat = describeLayer({
      spec: { kind: 'concat' },
      inputs: [
        [28, 28, 64],
        [28, 28, 128],
      ],
      batch: 1,
    });
    expect(cat.output).toEqual([28, 28, 192]);
  });

  it('MobileNet depthwise 3x3 stride 2 on 112x112x64: 1.8 M MACs, 576 weights', () => {
    const l = describeLayer({
      spec: conv(64, 3, { stride: 2, groups: 64, bias: false }),
      inputs: [[112, 112, 64]],
      batch: 1,
    });
    expect(l.output).toEqual([56, 56, 64]);
    expect(l.macsPerExample).toBe(56 * 56 * 64 * 9);
    expect(l.params).toBe(576);
  });
});

describe('specs built in code', () => {
  it('are validated like specs read from files', () => {
    expect(() =>
      describeLayer({ spec: { ...pool('avg', 2), kernelH: -4 }, inputs: [[1, 1, 256]], batch: 1 }),
    ).toThrow(/pool.kernelH: must be a positive integer \(got -4\)/);
  });
});
