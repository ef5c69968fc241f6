import type { LayerConfig, ModelKind, TrainingRow } from '@neuralpower/core';
import type { LayerRecord } from '@neuralpower/protocol';
import { openStore } from '../store/registry.js';
import { proposeNext } from './propose.js';
import { zooSignatures } from './zoo-layers.js';

export interface ProposeJobInput {
  /** `Store.locator`: the job opens its own read-only store from it */
  readonly storeLocator: string;
  readonly platformId: string;
  readonly kind: ModelKind;
  readonly candidates: readonly { readonly itemId: number; readonly config: LayerConfig }[];
  readonly count: number;
  readonly randomShare: number;
  readonly seed: number;
}

/**
 * Reads the platform's runtime measurements of one kind (its own read-only store) and ranks the
 * campaign's unmeasured candidates with `proposeNext`. Runs in a worker thread: a committee of fits
 * must not hold up ingest. Returns item ids, most wanted first.
 */
export async function runProposeJob(input: ProposeJobInput): Promise<number[]> {
  const store = await openStore(input.storeLocator, { readonly: true });
  let rows: TrainingRow[];
  try {
    rows = (await store.fits.proposalRows(input.platformId, input.kind)).map((r) => {
      const rec = JSON.parse(r.record_json) as LayerRecord;
      return { config: { spec: rec.spec, inputs: rec.inputs, batch: rec.batch }, value: r.runtime_mean_ms };
    });
  } finally {
    await store.close();
  }
  const picks = proposeNext({
    kind: input.kind,
    rows,
    candidates: input.candidates.map((c) => c.config),
    realLayers: zooSignatures(input.kind),
    count: input.count,
    randomShare: input.randomShare,
    seed: input.seed,
  });
  return picks.map((i) => input.candidates[i]!.itemId);
}
