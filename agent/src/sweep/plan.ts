import {
  describeLayer,
  type LayerConfig,
  type ModelKind,
  modelKindOf,
  type Network,
  parseLayerSpec,
  RANGE_PRESETS,
  type RangePreset,
  Rng,
  SAMPLE_KINDS,
  sampleConfig,
} from '@neuralpower/core';
import { loadNetwork, zooNetwork } from '@neuralpower/networks';
import {
  canonicalJson,
  fnv1a64,
  layerConfigKey,
  type NetworkRef,
  networkConfigKey,
} from '@neuralpower/protocol';

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
  /**
   * The configurations in order, produced on demand: `--count 1e5` costs nothing until it is
   * measured, and the agent can stop between any two. Each iteration starts afresh.
   */
  readonly items: Iterable<SweepItem>;
  /** Upper bound on the items (before duplicates are dropped): for progress display. */
  readonly maxItems: number;
  /**
   * Layers of zoo or --network networks left out because their spec is invalid, with why; random
   * configurations found invalid are added as the iteration reaches them.
   */
  readonly invalid: string[];
}

/**
 * Largest `--count` (random configurations per kind). At a second or more per configuration a
 * sweep of this size already takes days; a larger number is a typo, not a plan.
 */
export const MAX_SWEEP_COUNT = 100_000;

export function sweepId(platformId: string, options: SweepOptions): string {
  return `sweep-${fnv1a64(canonicalJson({ platformId, options }))}`;
}

/** Checks options that come from users (CLI flags, saved state) and says which one is wrong. */
export function checkSweepOptions(options: SweepOptions): void {
  for (const k of options.kinds) {
    if (!SAMPLE_KINDS.includes(k))
      throw new Error(`--kinds: unknown kind "${k}"; known: ${SAMPLE_KINDS.join(', ')}`);
  }
  if (!Number.isInteger(options.count) || options.count < 0 || options.count > MAX_SWEEP_COUNT)
    throw new Error(`--count must be a whole number from 0 to ${MAX_SWEEP_COUNT} (got ${options.count})`);
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

/** A layer the core refuses, with why; null when it is valid. */
function invalidReason(config: LayerConfig): string | null {
  try {
    parseLayerSpec(config.spec);
    describeLayer(config);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

type Candidate =
  | { readonly type: 'layer'; readonly config: LayerConfig; readonly origin: string }
  | Extract<SweepItem, { type: 'network' }>;

/**
 * Expands options into the ordered configurations to measure. Random configurations are
 * interleaved across kinds so a sweep cut short still covers every kind; duplicates (same natural
 * key) appear once. Networks are loaded here, so a bad `--network` fails before anything runs;
 * random configurations are drawn lazily, as the sweep reaches them.
 */
export async function planSweep(platformId: string, options: SweepOptions): Promise<SweepPlan> {
  checkSweepOptions(options);
  const ranges = {
    ...RANGE_PRESETS[options.preset],
    ...(options.batches ? { batches: options.batches } : {}),
  };
  const invalid: string[] = [];
  const fixed: Candidate[] = [];

  for (const name of options.zoo) {
    for (const batch of options.zooBatches) {
      const net = zooNetwork(name, {
        batch,
        ...(options.zooInput ? { input: [options.zooInput, options.zooInput] as [number, number] } : {}),
      });
      for (const layer of net.layers) {
        const kind = modelKindOf(layer.spec);
        if (kind === null || !options.kinds.includes(kind)) continue;
        fixed.push({
          type: 'layer',
          config: { spec: layer.spec, inputs: layer.inputs, batch },
          origin: `zoo:${net.name}/${layer.name}`,
        });
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
      fixed.push({
        type: 'layer',
        config: { spec: layer.spec, inputs: layer.inputs, batch: net.batch },
        origin: `network:${net.name}/${layer.name}`,
      });
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
    fixed.push({
      type: 'network',
      key: networkConfigKey(platformId, net.name, net.batch),
      network: net,
      ref: networkRef,
      origin: `network:${net.name}`,
    });
  }
  // Fixed layers are few and known now: say at once which are left out.
  const reported = new Set<string>();
  for (const c of fixed) {
    if (c.type !== 'layer') continue;
    const why = invalidReason(c.config);
    if (why !== null) {
      invalid.push(`${c.origin}: ${why}`);
      reported.add(c.origin);
    }
  }

  function* randomCandidates(): Generator<Candidate> {
    // One stream per kind: adding a kind does not change the others' configurations.
    const rngs = options.kinds.map(
      (kind, i) => new Rng((options.seed * 1_000_003 + i * 7919 + kind.length) >>> 0),
    );
    for (let i = 0; i < options.count; i++) {
      for (let k = 0; k < options.kinds.length; k++) {
        const kind = options.kinds[k]!;
        yield { type: 'layer', config: sampleConfig(kind, rngs[k]!, ranges), origin: `random:${kind}` };
      }
    }
  }

  function* items(): Generator<SweepItem> {
    const seen = new Set<string>();
    const sources: Iterable<Candidate>[] = [randomCandidates(), fixed];
    for (const source of sources) {
      for (const candidate of source) {
        if (candidate.type === 'network') {
          if (seen.has(candidate.key)) continue;
          seen.add(candidate.key);
          yield candidate;
          continue;
        }
        const why = invalidReason(candidate.config);
        if (why !== null) {
          if (!reported.has(candidate.origin)) invalid.push(`${candidate.origin}: ${why}`);
          continue;
        }
        const key = layerConfigKey(platformId, candidate.config);
        if (seen.has(key)) continue;
        seen.add(key);
        yield { type: 'layer', key, config: candidate.config, origin: candidate.origin };
      }
    }
  }

  return {
    id: sweepId(platformId, options),
    items: { [Symbol.iterator]: items },
    maxItems: options.count * options.kinds.length + fixed.length,
    invalid,
  };
}
