import { type LayerConfig, type ModelKind, RANGE_PRESETS, Rng, sampleConfig } from '@neuralpower/core';
import { layerConfigKey } from '@neuralpower/protocol';
import type { CampaignOptions } from './options.js';

export interface PlannedItem {
  readonly kind: ModelKind;
  readonly key: string;
  readonly config: LayerConfig;
  readonly copy: 0 | 1;
  readonly priority: number;
}

/**
 * The campaign's plan: `poolSize` random configurations (one seeded stream per kind, interleaved so
 * any prefix covers every kind, duplicates once) in the order a random sweep measures them, plus a
 * repeat (copy 1) of the first `budget × repeatShare` of them, placed a little later in the order so
 * the first copy is usually measured by then. Pure: the same options give the same plan.
 */
export function planCampaign(platformId: string, options: CampaignOptions): PlannedItem[] {
  const ranges = {
    ...RANGE_PRESETS[options.preset],
    ...(options.batches ? { batches: options.batches } : {}),
  };
  const perKind = Math.ceil(options.poolSize / options.kinds.length);
  const streams = options.kinds.map(
    (kind, i) => [kind, new Rng((options.seed * 1_000_003 + i * 7919 + kind.length) >>> 0)] as const,
  );
  const seen = new Set<string>();
  const items: PlannedItem[] = [];
  for (let i = 0; i < perKind && items.length < options.poolSize; i++) {
    for (const [kind, rng] of streams) {
      const config = sampleConfig(kind, rng, ranges);
      const key = layerConfigKey(platformId, config);
      if (seen.has(key) || items.length >= options.poolSize) continue;
      seen.add(key);
      items.push({ kind, key, config, copy: 0, priority: -items.length });
    }
  }
  const repeats = Math.min(items.length, Math.round(options.budget * options.repeatShare));
  const lag = Math.max(4, 2 * repeats);
  for (let i = 0; i < repeats; i++) {
    const first = items[i]!;
    items.push({ ...first, copy: 1, priority: first.priority - lag - 0.5 });
  }
  return items;
}
