import { conv, fc, pool } from '@neuralpower/core';
import type { GraphBuilder } from '../graph-builder.js';
import { act, adaptiveAvgPool, torchConv, type ZooEntry } from './common.js';

/*
 * Fully connected layers read flat input here: an explicit flatten precedes them, as it does
 * in torchvision (`torch.flatten`) and Keras, so the networks export to TF.js unchanged.
 */

/** LeNet-5 (LeCun et al. 1998) with full C3 connectivity: 61,706 parameters at 32×32×1. */
function lenet5(b: GraphBuilder): void {
  b.add('c1', conv(6, 5, { padding: 'VALID' }));
  act(b, 'c1/tanh', 'tanh');
  b.add('s2', pool('avg', 2));
  b.add('c3', conv(16, 5, { padding: 'VALID' }));
  act(b, 'c3/tanh', 'tanh');
  b.add('s4', pool('avg', 2));
  b.add('flatten', { kind: 'flatten' });
  b.add('c5', fc(120));
  act(b, 'c5/tanh', 'tanh');
  b.add('f6', fc(84));
  act(b, 'f6/tanh', 'tanh');
  b.add('output', fc(10));
  b.add('softmax', { kind: 'softmax' });
}

/** torchvision AlexNet (one-weird-trick variant: 64/192/384/256/256 filters), 61,100,840 params. */
function alexnet(b: GraphBuilder): void {
  b.add('conv1', torchConv(64, 11, 4, 2));
  act(b, 'conv1/relu');
  b.add('pool1', pool('max', 3, 2));
  b.add('conv2', torchConv(192, 5, 1, 2));
  act(b, 'conv2/relu');
  b.add('pool2', pool('max', 3, 2));
  b.add('conv3', torchConv(384, 3, 1, 1));
  act(b, 'conv3/relu');
  b.add('conv4', torchConv(256, 3, 1, 1));
  act(b, 'conv4/relu');
  b.add('conv5', torchConv(256, 3, 1, 1));
  act(b, 'conv5/relu');
  b.add('pool5', pool('max', 3, 2));
  adaptiveAvgPool(b, 'avgpool', 6);
  b.add('flatten', { kind: 'flatten' });
  b.add('dropout6', { kind: 'dropout', rate: 0.5 });
  b.add('fc6', fc(4096));
  act(b, 'fc6/relu');
  b.add('dropout7', { kind: 'dropout', rate: 0.5 });
  b.add('fc7', fc(4096));
  act(b, 'fc7/relu');
  b.add('fc8', fc(1000));
  b.add('softmax', { kind: 'softmax' });
}

/** torchvision VGG (configurations D and E, no batch norm). */
function vgg(blocks: readonly number[]): (b: GraphBuilder) => void {
  const widths = [64, 128, 256, 512, 512];
  return (b) => {
    blocks.forEach((count, i) => {
      for (let j = 1; j <= count; j++) {
        b.add(`conv${i + 1}_${j}`, torchConv(widths[i]!, 3, 1, 1));
        act(b, `conv${i + 1}_${j}/relu`);
      }
      b.add(`pool${i + 1}`, pool('max', 2));
    });
    adaptiveAvgPool(b, 'avgpool', 7);
    classifier(b, 4096);
  };
}

/** The VGG / OverFeat classifier: flatten, two fc → relu → dropout stages, 1000 classes, softmax. */
function classifier(b: GraphBuilder, firstUnits: number): void {
  b.add('flatten', { kind: 'flatten' });
  b.add('fc6', fc(firstUnits));
  act(b, 'fc6/relu');
  b.add('dropout6', { kind: 'dropout', rate: 0.5 });
  b.add('fc7', fc(4096));
  act(b, 'fc7/relu');
  b.add('dropout7', { kind: 'dropout', rate: 0.5 });
  b.add('fc8', fc(1000));
  b.add('softmax', { kind: 'softmax' });
}

/** Network-in-Network (Lin et al.) as the paper profiled it (its Paleo description, nin.json). */
function nin(b: GraphBuilder): void {
  const stage = (i: number, filters: number, kernel: number, stride: number, padding: 'SAME' | 'VALID') => {
    b.add(`conv${i}`, conv(filters, kernel, { stride, padding }));
    act(b, `conv${i}/relu`);
  };
  const cccp = (i: number, filters: number) => {
    b.add(`cccp${i}`, conv(filters, 1, { padding: 'VALID' }));
    act(b, `cccp${i}/relu`);
  };
  stage(1, 96, 11, 4, 'VALID');
  cccp(1, 96);
  cccp(2, 96);
  b.add('pool0', pool('max', 3, 2));
  stage(2, 256, 5, 1, 'SAME');
  cccp(3, 256);
  cccp(4, 256);
  b.add('pool2', pool('max', 3, 2));
  stage(3, 384, 3, 1, 'SAME');
  cccp(5, 384);
  cccp(6, 384);
  b.add('pool3', pool('max', 3, 2));
  b.add('drop', { kind: 'dropout', rate: 0.5 });
  stage(4, 1024, 3, 1, 'SAME');
  cccp(7, 1024);
  cccp(8, 1000);
  b.add('pool4', pool('avg', 5, 1));
  b.add('softmax', { kind: 'softmax' });
}

/** OverFeat "fast" as the paper profiled it (its Paleo description, overfeat.json; 231×231 input). */
function overfeat(b: GraphBuilder): void {
  b.add('conv1', conv(64, 11, { stride: 4, padding: 'VALID' }));
  act(b, 'conv1/relu');
  b.add('pool1', pool('max', 2));
  b.add('conv2', conv(256, 5, { padding: 'VALID' }));
  act(b, 'conv2/relu');
  b.add('pool2', pool('max', 2));
  b.add('conv3', conv(512, 3));
  act(b, 'conv3/relu');
  b.add('conv4', conv(1024, 3));
  act(b, 'conv4/relu');
  b.add('conv5', conv(1024, 3));
  act(b, 'conv5/relu');
  b.add('pool5', pool('max', 2));
  classifier(b, 3072);
}

/** The paper's CIFAR-10 six-convolution network (its Paleo description, cifar10_6conv.json). */
function cifar10SixConv(b: GraphBuilder): void {
  const widths = [128, 128, 256, 256, 512, 512];
  widths.forEach((w, i) => {
    b.add(`conv${i + 1}`, conv(w, 3));
    act(b, `conv${i + 1}/relu`);
    if (i === 1 || i === 3) b.add(`pool${i + 1}`, pool('max', 2));
  });
  b.add('flatten', { kind: 'flatten' });
  b.add('fc7', fc(1024));
  act(b, 'fc7/relu');
  b.add('dropout7', { kind: 'dropout', rate: 0.5 });
  b.add('fc8', fc(1024));
  act(b, 'fc8/relu');
  b.add('dropout8', { kind: 'dropout', rate: 0.5 });
  b.add('fc9', fc(10));
  b.add('softmax', { kind: 'softmax' });
}

export const CLASSIC: readonly ZooEntry[] = [
  {
    name: 'lenet5',
    description: 'LeNet-5 (LeCun 1998), 32x32 grey input, tanh, average pooling',
    defaultInput: [32, 32, 1],
    build: lenet5,
  },
  {
    name: 'alexnet',
    description: 'AlexNet, torchvision variant (64/192/384/256/256 filters)',
    defaultInput: [224, 224, 3],
    build: alexnet,
  },
  {
    name: 'vgg16',
    description: 'VGG-16 (configuration D), torchvision',
    defaultInput: [224, 224, 3],
    build: vgg([2, 2, 3, 3, 3]),
  },
  {
    name: 'vgg19',
    description: 'VGG-19 (configuration E), torchvision',
    defaultInput: [224, 224, 3],
    build: vgg([2, 2, 4, 4, 4]),
  },
  {
    name: 'nin',
    description: 'Network-in-Network, as profiled in the NeuralPower paper',
    defaultInput: [224, 224, 3],
    build: nin,
  },
  {
    name: 'overfeat',
    description: 'OverFeat (fast), as profiled in the NeuralPower paper',
    defaultInput: [231, 231, 3],
    build: overfeat,
  },
  {
    name: 'cifar10-6conv',
    description: 'CIFAR-10 six-convolution network from the NeuralPower paper',
    defaultInput: [32, 32, 3],
    build: cifar10SixConv,
  },
];
