import { conv, fc } from '@neuralpower/core';
import type { GraphBuilder } from '../graph-builder.js';
import { act, torchConv, type ZooEntry } from './common.js';

/** Keras MobileNet v1 (α = 1): TF SAME padding, bias-free convolutions + batch norm + ReLU6. */
function mobilenetV1(b: GraphBuilder): void {
  const convBnRelu6 = (name: string, filters: number, kernel: number, stride: number, groups = 1) => {
    b.add(name, conv(filters, kernel, { stride, bias: false, groups }));
    b.add(`${name}/bn`, { kind: 'batchnorm' });
    return act(b, `${name}/relu6`, 'relu6');
  };
  convBnRelu6('conv1', 32, 3, 2);
  const blocks: readonly [number, number][] = [
    [64, 1],
    [128, 2],
    [128, 1],
    [256, 2],
    [256, 1],
    [512, 2],
    [512, 1],
    [512, 1],
    [512, 1],
    [512, 1],
    [512, 1],
    [1024, 2],
    [1024, 1],
  ];
  blocks.forEach(([filters, stride], i) => {
    const channels = b.shape(b.last)[2];
    convBnRelu6(`conv_dw_${i + 1}`, channels, 3, stride, channels);
    convBnRelu6(`conv_pw_${i + 1}`, filters, 1, 1);
  });
  b.add('global_pool', { kind: 'globalpool', mode: 'avg' });
  b.add('flatten', { kind: 'flatten' });
  b.add('dropout', { kind: 'dropout', rate: 0.001 });
  // Keras writes the classifier as a 1×1 convolution; same cost and parameters as a dense layer.
  b.add('predictions', fc(1000));
  b.add('softmax', { kind: 'softmax' });
}

/** torchvision MobileNet v2 (width 1.0): 3,504,872 parameters. */
function mobilenetV2(b: GraphBuilder): void {
  const convBn = (name: string, filters: number, kernel: number, stride: number, groups = 1) => {
    b.add(name, torchConv(filters, kernel, stride, Math.floor(kernel / 2), { bias: false, groups }));
    return b.add(`${name}/bn`, { kind: 'batchnorm' });
  };
  convBn('features.0', 32, 3, 2);
  act(b, 'features.0/relu6', 'relu6');
  const settings: readonly [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  let index = 1;
  for (const [t, c, n, s] of settings) {
    for (let i = 0; i < n; i++) {
      const prefix = `features.${index++}`;
      const from = b.last;
      const cin = b.shape(from)[2];
      const hidden = cin * t;
      const stride = i === 0 ? s : 1;
      if (t !== 1) {
        convBn(`${prefix}/expand`, hidden, 1, 1);
        act(b, `${prefix}/expand/relu6`, 'relu6');
      }
      convBn(`${prefix}/dw`, hidden, 3, stride, hidden);
      act(b, `${prefix}/dw/relu6`, 'relu6');
      const projected = convBn(`${prefix}/project`, c, 1, 1);
      if (stride === 1 && cin === c) b.add(`${prefix}/add`, { kind: 'add' }, [projected, from]);
    }
  }
  convBn(`features.${index}`, 1280, 1, 1);
  act(b, `features.${index}/relu6`, 'relu6');
  b.add('avgpool', { kind: 'globalpool', mode: 'avg' });
  b.add('flatten', { kind: 'flatten' });
  b.add('dropout', { kind: 'dropout', rate: 0.2 });
  b.add('classifier', fc(1000));
  b.add('softmax', { kind: 'softmax' });
}

export const MOBILENETS: readonly ZooEntry[] = [
  {
    name: 'mobilenet-v1',
    description: 'MobileNet v1 (alpha 1.0), Keras applications layout',
    defaultInput: [224, 224, 3],
    build: mobilenetV1,
  },
  {
    name: 'mobilenet-v2',
    description: 'MobileNet v2 (width 1.0), torchvision',
    defaultInput: [224, 224, 3],
    build: mobilenetV2,
  },
];
