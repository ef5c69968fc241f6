import {
  buildNetwork,
  fitNetworkCorrection,
  type Network,
  type NetworkObservation,
  networkFeatures,
  predictNetwork,
  serializeNetworkCorrection,
  sha256Hex,
} from '@neuralpower/core';
import { zooNetwork } from '@neuralpower/networks';
import { canonicalJson, type NetworkRecord } from '@neuralpower/protocol';
import type { ModelCache } from '../predict/model-cache.js';
import type { ModelRepository, ModelVersionSummary } from '../store/models.js';
import type { MeasurementRow } from '../store/queries.js';

/**
 * The network correction is versioned with the layer models, as kind `network`, target `runtime`;
 * its model JSON is a `neuralpower.network-correction/1` file (packages/core/src/network-correction).
 */
export const NETWORK_CORRECTION_KIND = 'network';

/** The newest end-to-end records a correction learns from (each is predicted once per refit). */
const MAX_RECORDS = 500;

export type CorrectionOutcome =
  | { readonly status: 'fitted'; readonly version: ModelVersionSummary }
  | { readonly status: 'skipped'; readonly reason: string };

export interface CorrectionSources {
  readonly models: ModelRepository;
  readonly cache: ModelCache;
  /** The platform's end-to-end network records (not excluded), oldest first. */
  readonly networkRecords: (platformId: string) => Promise<readonly MeasurementRow[]>;
}

/** The network a record measured: its graph, or the zoo network it names. */
export function networkOfRecord(record: NetworkRecord): Network {
  const ref = record.network;
  if (ref.graph) {
    return buildNetwork({
      name: ref.name,
      batch: record.batch,
      input: ref.graph.input,
      nodes: ref.graph.nodes,
    });
  }
  return { ...zooNetwork(ref.zoo!, { batch: record.batch }), name: ref.name };
}

/** The runtime the layer fits use too: the median of a block-protocol record, else the mean. */
function measuredMs(record: NetworkRecord): number {
  return record.precision ? record.runtime.medianMs : record.runtime.meanMs;
}

/**
 * Refits the platform's network correction from its end-to-end network records and its current
 * runtime models, and stores it as a new version when the inputs (record ids and values, model
 * versions) changed. Runs on the collector's thread after fits: a prediction per record, a few
 * small least-squares solves.
 */
export async function refitNetworkCorrection(
  sources: CorrectionSources,
  platformId: string,
): Promise<CorrectionOutcome> {
  const runtime = (await sources.models.currentPointers(platformId)).filter(
    (p) => p.kind !== NETWORK_CORRECTION_KIND && p.target === 'runtime',
  );
  if (runtime.length === 0) return { status: 'skipped', reason: 'no runtime models yet' };
  const rows = (await sources.networkRecords(platformId)).slice(-MAX_RECORDS);
  if (rows.length === 0)
    return { status: 'skipped', reason: 'no network measured end to end on this platform' };
  const set = await sources.cache.modelSet(platformId, runtime);
  const observations: NetworkObservation[] = [];
  const used: { id: number; measuredMs: number }[] = [];
  const unusable: string[] = [];
  for (const row of rows) {
    try {
      const record = JSON.parse(row.record_json) as NetworkRecord;
      const network = networkOfRecord(record);
      const sumMs = predictNetwork(network, set, { correction: null }).totals.runtimeMs;
      if (!(sumMs > 0)) {
        unusable.push(`${record.network.name} (measurement ${row.id}): no layer has a runtime model`);
        continue;
      }
      observations.push({
        name: record.network.name,
        measuredMs: measuredMs(record),
        ...networkFeatures(network, sumMs),
      });
      used.push({ id: row.id, measuredMs: measuredMs(record) });
    } catch (err) {
      unusable.push(`measurement ${row.id}: ${(err as Error).message}`);
    }
  }
  if (observations.length === 0) {
    return { status: 'skipped', reason: `no usable network record: ${unusable.slice(0, 3).join('; ')}` };
  }
  const hash = `sha256:${sha256Hex(canonicalJson({ models: runtime.map((p) => [p.kind, p.version]), records: used }))}`;
  if ((await sources.models.currentTrainingHash(platformId, NETWORK_CORRECTION_KIND, 'runtime')) === hash) {
    return {
      status: 'skipped',
      reason: 'the network records and runtime models are unchanged since the current version',
    };
  }
  const correction = fitNetworkCorrection(observations);
  const [version] = await sources.models.addVersions(
    [
      {
        platformId,
        kind: NETWORK_CORRECTION_KIND,
        target: 'runtime',
        trainingRows: observations.length,
        trainingSetHash: hash,
        // The same metric names as a layer fit's report (left-out networks instead of folds).
        report: {
          rmspe: correction.cvRmspe[correction.form],
          rmse: correction.cvRmseMs,
          mape: correction.cvMape,
          form: correction.form,
          networks: correction.networks,
          records: correction.records,
          cvRmspeByForm: correction.cvRmspe,
          runtimeModels: runtime.map((p) => ({ kind: p.kind, version: p.version })),
          unusableRecords: unusable.slice(0, 20),
        },
        modelJson: JSON.stringify(serializeNetworkCorrection(correction)),
      },
    ],
    'fit: network correction',
  );
  return { status: 'fitted', version: version! };
}
