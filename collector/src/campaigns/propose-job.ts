import type { LayerConfig, ModelKind, TrainingRow } from '@neuralpower/core';
import type { LayerRecord } from '@neuralpower/protocol';
import { openDatabase } from '../db/open.js';
import { proposeNext } from './propose.js';
import { zooSignatures } from './zoo-layers.js';

export interface ProposeJobInput {
  readonly dbPath: string;
  readonly platformId: string;
  readonly kind: ModelKind;
  readonly candidates: readonly { readonly itemId: number; readonly config: LayerConfig }[];
  readonly count: number;
  readonly randomShare: number;
  readonly seed: number;
}

/**
 * Reads the platform's runtime measurements of one kind (own read-only connection) and ranks the
 * campaign's unmeasured candidates with `proposeNext`. Runs in a worker thread: a committee of fits
 * must not hold up ingest. Returns item ids, most wanted first.
 */
export function runProposeJob(input: ProposeJobInput): number[] {
  const db = openDatabase(input.dbPath, { readonly: true });
  let rows: TrainingRow[];
  try {
    rows = db
      .prepare<[string, string], { record_json: string; runtime_mean_ms: number }>(
        `SELECT record_json, runtime_mean_ms FROM measurements
         WHERE platform_id = ? AND type = 'layer' AND model_kind = ? ORDER BY id`,
      )
      .all(input.platformId, input.kind)
      .map((r) => {
        const rec = JSON.parse(r.record_json) as LayerRecord;
        return { config: { spec: rec.spec, inputs: rec.inputs, batch: rec.batch }, value: r.runtime_mean_ms };
      });
  } finally {
    db.close();
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
