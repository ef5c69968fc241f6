import { buildNetwork, conv, fc, type LayerSpec, type Network, pool, type Shape } from '@neuralpower/core';

export const s = (h: number, w: number, c: number): Shape => [h, w, c];

/** One small configuration of every layer kind the core models. */
export const CASES: { name: string; spec: LayerSpec; inputs: Shape[] }[] = [
  { name: 'conv', spec: conv(8, 3), inputs: [s(8, 8, 4)] },
  {
    name: 'conv stride 2 valid',
    spec: conv(6, [3, 2], { stride: 2, padding: 'VALID' }),
    inputs: [s(9, 9, 3)],
  },
  {
    name: 'conv explicit padding',
    spec: conv(4, 3, { padding: { top: 1, bottom: 0, left: 2, right: 1 } }),
    inputs: [s(7, 7, 2)],
  },
  { name: 'conv dilated', spec: conv(4, 3, { dilationH: 2, dilationW: 2 }), inputs: [s(9, 9, 2)] },
  { name: 'depthwise conv', spec: conv(8, 3, { groups: 8 }), inputs: [s(8, 8, 8)] },
  { name: 'depthwise multiplier 2', spec: conv(8, 3, { groups: 4, stride: 2 }), inputs: [s(8, 8, 4)] },
  { name: 'grouped conv', spec: conv(8, 3, { groups: 2, bias: false }), inputs: [s(8, 8, 4)] },
  { name: 'fc flat', spec: fc(10), inputs: [s(1, 1, 32)] },
  { name: 'fc on a map', spec: fc(5, false), inputs: [s(3, 3, 4)] },
  { name: 'max pool', spec: pool('max', 2), inputs: [s(8, 8, 3)] },
  { name: 'avg pool same', spec: pool('avg', 3, 2, 'SAME'), inputs: [s(7, 7, 3)] },
  {
    name: 'max pool explicit',
    spec: pool('max', 3, 2, { top: 1, bottom: 1, left: 1, right: 1 }),
    inputs: [s(8, 8, 2)],
  },
  { name: 'globalpool avg', spec: { kind: 'globalpool', mode: 'avg' }, inputs: [s(5, 5, 6)] },
  { name: 'globalpool max', spec: { kind: 'globalpool', mode: 'max' }, inputs: [s(5, 5, 6)] },
  ...(['relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'leakyrelu', 'swish', 'linear'] as const).map((fn) => ({
    name: `activation ${fn}`,
    spec: { kind: 'activation', fn } as LayerSpec,
    inputs: [s(4, 4, 3)],
  })),
  { name: 'batchnorm', spec: { kind: 'batchnorm' }, inputs: [s(4, 4, 3)] },
  { name: 'add', spec: { kind: 'add' }, inputs: [s(4, 4, 3), s(4, 4, 3), s(4, 4, 3)] },
  { name: 'concat', spec: { kind: 'concat' }, inputs: [s(4, 4, 3), s(4, 4, 5)] },
  { name: 'dropout', spec: { kind: 'dropout', rate: 0.5 }, inputs: [s(4, 4, 3)] },
  { name: 'lrn', spec: { kind: 'lrn', depthRadius: 2 }, inputs: [s(4, 4, 8)] },
  { name: 'flatten', spec: { kind: 'flatten' }, inputs: [s(4, 4, 3)] },
  { name: 'reshape', spec: { kind: 'reshape', shape: [2, 8, 3] }, inputs: [s(4, 4, 3)] },
  { name: 'softmax', spec: { kind: 'softmax' }, inputs: [s(1, 1, 10)] },
  { name: 'pad', spec: { kind: 'pad', top: 1, bottom: 2, left: 0, right: 3 }, inputs: [s(4, 4, 3)] },
];

/** A residual block (conv, batchnorm, relu, add, global pool, fc, softmax) small enough to run in milliseconds. */
export function tinyResnetBlock(): Network {
  return buildNetwork({
    name: 'tiny-resnet-block',
    batch: 2,
    input: [8, 8, 4],
    nodes: [
      { name: 'c1', spec: conv(4, 3), parents: [] },
      { name: 'bn', spec: { kind: 'batchnorm' }, parents: ['c1'] },
      { name: 'r', spec: { kind: 'activation', fn: 'relu' }, parents: ['bn'] },
      { name: 'sum', spec: { kind: 'add' }, parents: ['r', 'c1'] },
      { name: 'gp', spec: { kind: 'globalpool', mode: 'avg' }, parents: ['sum'] },
      { name: 'fc', spec: fc(3), parents: ['gp'] },
      { name: 'sm', spec: { kind: 'softmax' }, parents: ['fc'] },
    ],
  });
}
