import {
  describeLayer,
  type LayerConfig,
  type ModelKind,
  modelKindOf,
  type Network,
  parseLayerSpec,
} from '@neuralpower/core';
import { loadNetwork, zooNetwork } from '@neuralpower/networks';
import {
  canonicalJson,
  fnv1a64,
  layerConfigKey,
  type NetworkRef,
  networkConfigKey,
} from '@neuralpower/protocol';
import { RANGE_PRESETS, type RangePreset } from './ranges.js';
import { Rng } from './rng.js';
import { SAMPLE_KINDS, sampleConfig } from './sample.js';

export interface SweepOptions {
  /** Model kinds to sample at random (and to take from zoo networks). */
  readonly kinds: readonly ModelKind[];
  /** Random configurations per kind. */
  readonly count: number;
  readonly seed: number;
  readonly preset: RangePreset;
  /** Overrides the preset's batch sizes. */
  readonly batches?: readonly number[];
  /** Zoo networks whose own layers (of `kinds`) join the sweep. */
  readonly zoo: readonly string[];
  /** Batch sizes for zoo layers (default [1]). */
  readonly zooBatches: readonly number[];
  /** Input H = W for zoo networks (default each network's own, e.g. 224). */
  readonly zooInput?: number;
  /** `--network NAME|FILE`: every layer of the network plus the whole network end to end. */
  readonly networks: readonly string[];
  readonly networkBatch: number;
  readonly networkInput?: number;
}

export const DEFAULT_SWEEP: SweepOptions = {
  kinds: ['conv', 'fc', 'pool'],
  count: 20,
  seed: 1,
  preset: 'small',
  zoo: [],
  zooBatches: [1],
  networks: [],
  networkBatch: 1,
};

export type SweepItem =
  | { readonly type: 'layer'; readonly key: string; readonly config: LayerConfig; readonly origin: string }
  | {
      readonly type: 'network';
      readonly key: string;
      readonly network: Network;
      readonly ref: NetworkRef;
      readonly origin: string;
    };

export interface SweepPlan {
  /** Stable id of (platform, options): the same sweep restarted resumes under the same id. */
  readonly id: string;
  readonly items: readonly SweepItem[];
  /** Layers of zoo or --network networks left out because their spec is invalid, with why. */
  readonly invalid: readonly string[];
}

export function sweepId(platformId: string, options: SweepOptions): string {
  return `sweep-${fnv1a64(canonicalJson({ platformId, options }))}`;
}

/** Checks options that come from users (CLI flags, saved state) and says which one is wrong. */
export function checkSweepOptions(options: SweepOptions): void {
  for (const k of options.kinds) {
    if (!SAMPLE_KINDS.includes(k))
      throw new Error(`--kinds: unknown kind "${k}"; known: ${SAMPLE_KINDS.join(', ')}`);
  }
  if (!Number.isInteger(options.count) || options.count < 0)
    throw new Error('--count must be a whole number ≥ 0');
  if (!Number.isInteger(options.seed)) throw new Error('--seed must be an integer');
  if (!(options.preset in RANGE_PRESETS)) {
    throw new Error(
      `--ranges: unknown preset "${options.preset}"; known: ${Object.keys(RANGE_PRESETS).join(', ')}`,
    );
  }
  for (const b of [...(options.batches ?? []), ...options.zooBatches, options.networkBatch]) {
    if (!Number.isInteger(b) || b <= 0) throw new Error(`batch sizes must be positive integers (got ${b})`);
  }
}

function zooRef(name: string, network: Network, input?: number): NetworkRef {
  if (input === undefined) return { name: network.name, zoo: name };
  return graphRef(network);
}

function graphRef(network: Network): NetworkRef {
  return {
    name: network.name,
    graph: {
      input: [...network.input] as [number, number, number],
      nodes: network.layers.map((l) => ({ name: l.name, spec: l.spec, parents: [...l.parents] })),
    },
  };
}

/**
 * Expands options into the ordered list of configurations to measure. Random configurations are
 * interleaved across kinds so a sweep cut short still covers every kind; duplicates (same natural
 * key) appear once.
 */
export async function planSweep(platformId: string, options: SweepOptions): Promise<SweepPlan> {
  checkSweepOptions(options);
  const ranges = {
    ...RANGE_PRESETS[options.preset],
    ...(options.batches ? { batches: options.batches } : {}),
  };
  const seen = new Set<string>();
  const items: SweepItem[] = [];
  const invalid: string[] = [];
  const addLayer = (config: LayerConfig, origin: string) => {
    try {
      parseLayerSpec(config.spec);
      describeLayer(config);
    } catch (err) {
      invalid.push(`${origin}: ${(err as Error).message}`);
      return;
    }
    const key = layerConfigKey(platformId, config);
    if (seen.has(key)) return;
    seen.add(key);
    items.push({ type: 'layer', key, config, origin });
  };

  const perKind = options.kinds.map((kind, i) => {
    // One stream per kind: adding a kind does not change the others' configurations.
    const rng = new Rng((options.seed * 1_000_003 + i * 7919 + kind.length) >>> 0);
    return Array.from({ length: options.count }, () => sampleConfig(kind, rng, ranges));
  });
  for (let i = 0; i < options.count; i++) {
    perKind.forEach((configs, k) => {
      addLayer(configs[i]!, `random:${options.kinds[k]}`);
    });
  }

  for (const name of options.zoo) {
    for (const batch of options.zooBatches) {
      const net = zooNetwork(name, {
        batch,
        ...(options.zooInput ? { input: [options.zooInput, options.zooInput] as [number, number] } : {}),
      });
      for (const layer of net.layers) {
        const kind = modelKindOf(layer.spec);
        if (kind === null || !options.kinds.includes(kind)) continue;
        addLayer({ spec: layer.spec, inputs: layer.inputs, batch }, `zoo:${net.name}/${layer.name}`);
      }
    }
  }

  for (const ref of options.networks) {
    const loaded = await loadNetwork(ref, {
      batch: options.networkBatch,
      ...(options.networkInput
        ? { input: [options.networkInput, options.networkInput] as [number, number] }
        : {}),
    });
    // A resized network is a different network: its name (and so its key) says so.
    const net = options.networkInput ? { ...loaded, name: `${loaded.name}@${options.networkInput}` } : loaded;
    for (const layer of net.layers) {
      if (modelKindOf(layer.spec) === null) continue;
      addLayer(
        { spec: layer.spec, inputs: layer.inputs, batch: net.batch },
        `network:${net.name}/${layer.name}`,
      );
    }
    const isZoo = (() => {
      try {
        zooNetwork(ref);
        return true;
      } catch {
        return false;
      }
    })();
    const networkRef = isZoo ? zooRef(ref, net, options.networkInput) : graphRef(net);
    const key = networkConfigKey(platformId, net.name, net.batch);
    if (!seen.has(key)) {
      seen.add(key);
      items.push({ type: 'network', key, network: net, ref: networkRef, origin: `network:${net.name}` });
    }
  }
  return { id: sweepId(platformId, options), items, invalid };
}
