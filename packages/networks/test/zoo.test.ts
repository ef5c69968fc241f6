import { networkTotals } from '@neuralpower/core';
import { describe, expect, it } from 'vitest';
import { listZoo, zooNetwork } from '../src/index.js';

/** Published parameter counts (torchvision; Keras for MobileNet v1 trainable; LeNet-5 by hand). */
const PARAMS: Record<string, number> = {
  lenet5: 61_706,
  alexnet: 61_100_840,
  vgg16: 138_357_544,
  vgg19: 143_667_240,
  resnet18: 11_689_512,
  resnet50: 25_557_032,
  'mobilenet-v1': 4_231_976,
  'mobilenet-v2': 3_504_872,
  'squeezenet1.1': 1_235_496,
  googlenet: 6_624_904,
};

/** Published multiply-accumulates per image, in GMACs (torchvision model cards / ptflops; MobileNet paper). */
const GMACS: Record<string, number> = {
  alexnet: 0.71,
  vgg16: 15.47,
  vgg19: 19.63,
  resnet18: 1.81,
  resnet50: 4.09,
  'mobilenet-v1': 0.569,
  'mobilenet-v2': 0.3,
  'squeezenet1.1': 0.35,
  googlenet: 1.5,
};

describe('model zoo', () => {
  it('lists every network of the paper set and the modern set', () => {
    expect(listZoo().map((z) => z.name)).toEqual([
      'lenet5',
      'alexnet',
      'vgg16',
      'vgg19',
      'nin',
      'overfeat',
      'cifar10-6conv',
      'resnet18',
      'resnet50',
      'mobilenet-v1',
      'mobilenet-v2',
      'squeezenet1.1',
      'googlenet',
    ]);
  });

  for (const [name, params] of Object.entries(PARAMS)) {
    it(`${name} has the published ${params.toLocaleString('en')} parameters`, () => {
      expect(networkTotals(zooNetwork(name)).params).toBe(params);
    });
  }

  for (const [name, gmacs] of Object.entries(GMACS)) {
    it(`${name} has ${gmacs} GMACs within 1 %`, () => {
      const macs = networkTotals(zooNetwork(name)).macsPerExample / 1e9;
      expect(Math.abs(macs - gmacs) / gmacs).toBeLessThan(0.01);
    });
  }

  it('every network ends in class scores and has a default input', () => {
    for (const z of listZoo()) {
      const n = zooNetwork(z.name);
      expect(n.input).toEqual(z.defaultInput);
      const last = n.layers[n.layers.length - 1]!;
      expect(last.output[0]).toBe(1);
      expect(last.output[1]).toBe(1);
      expect(n.layers.every((l) => l.spec.kind !== 'unsupported')).toBe(true);
    }
  });

  it('takes batch and input size as parameters', () => {
    const n = zooNetwork('resnet50', { batch: 32, input: [160, 160] });
    expect(n.batch).toBe(32);
    expect(n.input).toEqual([160, 160, 3]);
    expect(n.layers.find((l) => l.name === 'layer4.2/relu')!.output).toEqual([5, 5, 2048]);
    // Parameters do not depend on the input size for a network ending in global pooling.
    expect(networkTotals(n).params).toBe(25_557_032);
    expect(networkTotals(n).macsPerExample).toBeLessThan(
      networkTotals(zooNetwork('resnet50')).macsPerExample,
    );
  });

  it('keeps VGG-16 parameters at other input sizes through the adaptive pool', () => {
    const n = zooNetwork('vgg16', { input: [448, 448] });
    expect(n.layers.find((l) => l.name === 'avgpool')!.output).toEqual([7, 7, 512]);
    expect(networkTotals(n).params).toBe(138_357_544);
  });

  it('infers torchvision shapes (ceil-mode pools in GoogLeNet, SqueezeNet)', () => {
    const g = zooNetwork('googlenet');
    expect(g.layers.find((l) => l.name === 'maxpool1')!.output).toEqual([56, 56, 64]);
    expect(g.layers.find((l) => l.name === 'inception3a/concat')!.output).toEqual([28, 28, 256]);
    expect(g.layers.find((l) => l.name === 'inception5b/concat')!.output).toEqual([7, 7, 1024]);
    const s = zooNetwork('squeezenet1.1');
    expect(s.layers.find((l) => l.name === 'fire9/concat')!.output).toEqual([13, 13, 512]);
  });

  it('matches names loosely and rejects unknown names listing the known ones', () => {
    expect(zooNetwork('VGG-16').name).toBe('vgg16');
    expect(zooNetwork('ResNet_50').name).toBe('resnet50');
    expect(() => zooNetwork('resnet152')).toThrow(/unknown zoo network "resnet152"; known: lenet5, alexnet/);
  });

  it('rejects invalid options', () => {
    expect(() => zooNetwork('vgg16', { batch: 0 })).toThrow(/batch must be a positive integer/);
    expect(() => zooNetwork('vgg16', { input: [16, 16] })).toThrow(/pool5/);
  });
});
