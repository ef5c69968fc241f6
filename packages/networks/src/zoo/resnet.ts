import { fc } from '@neuralpower/core';
import type { GraphBuilder } from '../graph-builder.js';
import { act, torchConv, torchPool, type ZooEntry } from './common.js';

/** conv (no bias) → batch norm, as torchvision's ResNets write every convolution. */
function convBn(
  b: GraphBuilder,
  name: string,
  from: string,
  filters: number,
  kernel: number,
  stride: number,
): string {
  b.add(name, torchConv(filters, kernel, stride, Math.floor(kernel / 2), { bias: false }), from);
  return b.add(`${name}/bn`, { kind: 'batchnorm' });
}

function block(
  b: GraphBuilder,
  prefix: string,
  from: string,
  width: number,
  stride: number,
  bottleneck: boolean,
): string {
  const expansion = bottleneck ? 4 : 1;
  const out = width * expansion;
  let x: string;
  if (bottleneck) {
    // torchvision v1.5: the stride sits on the 3×3 convolution.
    x = convBn(b, `${prefix}/conv1`, from, width, 1, 1);
    x = act(b, `${prefix}/relu1`);
    x = convBn(b, `${prefix}/conv2`, x, width, 3, stride);
    x = act(b, `${prefix}/relu2`);
    x = convBn(b, `${prefix}/conv3`, x, out, 1, 1);
  } else {
    x = convBn(b, `${prefix}/conv1`, from, width, 3, stride);
    x = act(b, `${prefix}/relu1`);
    x = convBn(b, `${prefix}/conv2`, x, width, 3, 1);
  }
  const shortcut =
    stride !== 1 || b.shape(from)[2] !== out ? convBn(b, `${prefix}/downsample`, from, out, 1, stride) : from;
  b.add(`${prefix}/add`, { kind: 'add' }, [x, shortcut]);
  return act(b, `${prefix}/relu`);
}

function resnet(layers: readonly number[], bottleneck: boolean): (b: GraphBuilder) => void {
  return (b) => {
    b.add('conv1', torchConv(64, 7, 2, 3, { bias: false }));
    b.add('conv1/bn', { kind: 'batchnorm' });
    act(b, 'conv1/relu');
    let x = b.add('maxpool', torchPool('max', 3, 2, 1));
    layers.forEach((count, stage) => {
      const width = 64 * 2 ** stage;
      for (let i = 0; i < count; i++) {
        x = block(b, `layer${stage + 1}.${i}`, x, width, i === 0 && stage > 0 ? 2 : 1, bottleneck);
      }
    });
    b.add('avgpool', { kind: 'globalpool', mode: 'avg' });
    b.add('flatten', { kind: 'flatten' });
    b.add('fc', fc(1000));
    b.add('softmax', { kind: 'softmax' });
  };
}

export const RESNETS: readonly ZooEntry[] = [
  {
    name: 'resnet18',
    description: 'ResNet-18, torchvision (bias-free convolutions + batch norm)',
    defaultInput: [224, 224, 3],
    build: resnet([2, 2, 2, 2], false),
  },
  {
    name: 'resnet50',
    description: 'ResNet-50 v1.5, torchvision (stride on the 3x3 convolution)',
    defaultInput: [224, 224, 3],
    build: resnet([3, 4, 6, 3], true),
  },
];
