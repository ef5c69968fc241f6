import { buildNetwork, type Network } from '@neuralpower/core';
import { UnknownNetworkError, withFileName } from '../errors.js';
import { GraphBuilder } from '../graph-builder.js';
import { checkOptions, type NetworkOptions } from '../options.js';
import { CLASSIC } from './classic.js';
import type { ZooEntry } from './common.js';
import { INCEPTIONS } from './inception.js';
import { MOBILENETS } from './mobilenet.js';
import { RESNETS } from './resnet.js';

const ZOO: readonly ZooEntry[] = [...CLASSIC, ...RESNETS, ...MOBILENETS, ...INCEPTIONS];

/** "VGG-16", "vgg_16" and "vgg16" name the same network. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export interface ZooListing {
  name: string;
  description: string;
  defaultInput: [number, number, number];
}

export function listZoo(): ZooListing[] {
  return ZOO.map((e) => ({ name: e.name, description: e.description, defaultInput: [...e.defaultInput] }));
}

export function findZooEntry(name: string): ZooEntry | undefined {
  const key = normalise(name);
  return ZOO.find((e) => normalise(e.name) === key);
}

/** Builds a zoo network at the given batch (default 1) and input size (default the network's own). */
export function zooNetwork(name: string, opts: NetworkOptions = {}): Network {
  const entry = findZooEntry(name);
  if (!entry) {
    throw new UnknownNetworkError(
      name,
      `unknown zoo network ${JSON.stringify(name)}; known: ${ZOO.map((e) => e.name).join(', ')}`,
    );
  }
  checkOptions(opts);
  const [h, w] = opts.input ?? [entry.defaultInput[0], entry.defaultInput[1]];
  return withFileName(entry.name, () => {
    const b = new GraphBuilder([h, w, entry.defaultInput[2]]);
    entry.build(b);
    return buildNetwork({ name: entry.name, batch: opts.batch ?? 1, input: b.input, nodes: b.nodes() });
  });
}
