import type { LayerConfig, ModelKind, TrainingRow } from '@neuralpower/core';
import { type LayerRecord, layerConfigKey } from '@neuralpower/protocol';
import { openStore } from '../store/registry.js';
import { type HeldOutError, heldOutError } from './holdout.js';
import { proposeNext } from './propose.js';
import { zooSignatures } from './zoo-layers.js';

export interface ProposeJobInput {
  /** `Store.locator`: the job opens its own read-only store from it */
  readonly storeLocator: string;
  readonly platformId: string;
  readonly kind: ModelKind;
  /** Unmeasured candidates outside the held-out slice: what the adaptive score ranks. */
  readonly candidates: readonly { readonly itemId: number; readonly config: LayerConfig }[];
  readonly count: number;
  /** Keys of the campaign's held-out slice of this kind (`inHeldOutSlice`), measured or not. */
  readonly heldOutKeys: readonly string[];
  readonly seed: number;
}

export interface ProposeJobResult {
  /** Item ids, most wanted first. */
  readonly itemIds: number[];
  /** The runtime error on the measured held-out rows; null while there are too few. */
  readonly heldOut: HeldOutError | null;
}

/**
 * Reads the platform's runtime measurements of one kind (its own read-only store), ranks the
 * campaign's unmeasured candidates with `proposeNext` and measures the held-out error. Runs in a
 * worker thread: a committee of fits must not hold up ingest.
 */
export async function runProposeJob(input: ProposeJobInput): Promise<ProposeJobResult> {
  const store = await openStore(input.storeLocator, { readonly: true });
  let rows: (TrainingRow & { heldOut: boolean })[];
  const slice = new Set(input.heldOutKeys);
  try {
    rows = (await store.fits.proposalRows(input.platformId, input.kind)).map((r) => {
      const rec = JSON.parse(r.record_json) as LayerRecord;
      const config = { spec: rec.spec, inputs: rec.inputs, batch: rec.batch };
      return {
        config,
        value: r.runtime_mean_ms,
        heldOut: slice.has(layerConfigKey(input.platformId, config)),
      };
    });
  } finally {
    await store.close();
  }
  // count 0: only the held-out error (a campaign that ended).
  const picks =
    input.count === 0
      ? []
      : proposeNext({
          kind: input.kind,
          rows,
          candidates: input.candidates.map((c) => c.config),
          realLayers: zooSignatures(input.kind),
          count: input.count,
          // The campaign's random share is its held-out slice, proposed apart from the adaptive picks.
          randomShare: 0,
          seed: input.seed,
        });
  return {
    itemIds: picks.map((i) => input.candidates[i]!.itemId),
    heldOut: heldOutError(input.kind, rows),
  };
}
