import { fc } from '@neuralpower/core';
import type { GraphBuilder } from '../graph-builder.js';
import { act, ceilPool, torchConv, type ZooEntry } from './common.js';

/** torchvision SqueezeNet 1.1: 1,235,496 parameters. */
function squeezenet11(b: GraphBuilder): void {
  const fire = (name: string, squeeze: number, expand: number) => {
    b.add(`${name}/squeeze`, torchConv(squeeze, 1, 1, 0));
    const s = act(b, `${name}/squeeze/relu`);
    b.add(`${name}/expand1x1`, torchConv(expand, 1, 1, 0), s);
    const e1 = act(b, `${name}/expand1x1/relu`);
    b.add(`${name}/expand3x3`, torchConv(expand, 3, 1, 1), s);
    const e3 = act(b, `${name}/expand3x3/relu`);
    return b.add(`${name}/concat`, { kind: 'concat' }, [e1, e3]);
  };
  const maxPool = (name: string) => b.add(name, ceilPool('max', 3, 2, b.shape(b.last)));
  b.add('conv1', torchConv(64, 3, 2, 0));
  act(b, 'conv1/relu');
  maxPool('pool1');
  fire('fire2', 16, 64);
  fire('fire3', 16, 64);
  maxPool('pool3');
  fire('fire4', 32, 128);
  fire('fire5', 32, 128);
  maxPool('pool5');
  fire('fire6', 48, 192);
  fire('fire7', 48, 192);
  fire('fire8', 64, 256);
  fire('fire9', 64, 256);
  b.add('dropout', { kind: 'dropout', rate: 0.5 });
  b.add('conv10', torchConv(1000, 1, 1, 0));
  act(b, 'conv10/relu');
  b.add('avgpool', { kind: 'globalpool', mode: 'avg' });
  b.add('flatten', { kind: 'flatten' });
  b.add('softmax', { kind: 'softmax' });
}

/** torchvision GoogLeNet (no auxiliary classifiers): 6,624,904 parameters. */
function googlenet(b: GraphBuilder): void {
  // BasicConv2d: bias-free convolution, batch norm, ReLU.
  const basic = (name: string, from: string | undefined, filters: number, kernel: number, stride = 1) => {
    b.add(name, torchConv(filters, kernel, stride, Math.floor(kernel / 2), { bias: false }), from);
    b.add(`${name}/bn`, { kind: 'batchnorm' });
    return act(b, `${name}/relu`);
  };
  const maxPool = (name: string, kernel: number) => b.add(name, ceilPool('max', kernel, 2, b.shape(b.last)));
  const inception = (
    name: string,
    c1: number,
    c3r: number,
    c3: number,
    c5r: number,
    c5: number,
    pp: number,
  ) => {
    const from = b.last;
    const b1 = basic(`${name}/branch1`, from, c1, 1);
    basic(`${name}/branch2a`, from, c3r, 1);
    const b2 = basic(`${name}/branch2b`, undefined, c3, 3);
    basic(`${name}/branch3a`, from, c5r, 1);
    // torchvision uses a 3×3 kernel here (not the paper's 5×5); its published counts rely on it.
    const b3 = basic(`${name}/branch3b`, undefined, c5, 3);
    b.add(`${name}/branch4pool`, ceilPool('max', 3, 1, b.shape(from), 1), from);
    const b4 = basic(`${name}/branch4`, undefined, pp, 1);
    return b.add(`${name}/concat`, { kind: 'concat' }, [b1, b2, b3, b4]);
  };
  basic('conv1', undefined, 64, 7, 2);
  maxPool('maxpool1', 3);
  basic('conv2', undefined, 64, 1);
  basic('conv3', undefined, 192, 3);
  maxPool('maxpool2', 3);
  inception('inception3a', 64, 96, 128, 16, 32, 32);
  inception('inception3b', 128, 128, 192, 32, 96, 64);
  maxPool('maxpool3', 3);
  inception('inception4a', 192, 96, 208, 16, 48, 64);
  inception('inception4b', 160, 112, 224, 24, 64, 64);
  inception('inception4c', 128, 128, 256, 24, 64, 64);
  inception('inception4d', 112, 144, 288, 32, 64, 64);
  inception('inception4e', 256, 160, 320, 32, 128, 128);
  maxPool('maxpool4', 2);
  inception('inception5a', 256, 160, 320, 32, 128, 128);
  inception('inception5b', 384, 192, 384, 48, 128, 128);
  b.add('avgpool', { kind: 'globalpool', mode: 'avg' });
  b.add('flatten', { kind: 'flatten' });
  b.add('dropout', { kind: 'dropout', rate: 0.2 });
  b.add('fc', fc(1000));
  b.add('softmax', { kind: 'softmax' });
}

export const INCEPTIONS: readonly ZooEntry[] = [
  {
    name: 'squeezenet1.1',
    description: 'SqueezeNet 1.1, torchvision',
    defaultInput: [224, 224, 3],
    build: squeezenet11,
  },
  {
    name: 'googlenet',
    description: 'GoogLeNet (Inception v1), torchvision, without auxiliary classifiers',
    defaultInput: [224, 224, 3],
    build: googlenet,
  },
];
