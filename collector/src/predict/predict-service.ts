import {
  buildNetwork,
  type Network,
  NetworkError,
  type NetworkPrediction,
  type PowerModelSummary,
  PredictionError,
  powerModelSummaries,
  predictNetwork,
} from '@neuralpower/core';
import { zooNetwork } from '@neuralpower/networks';
import { type NetworkRecord, type NetworkRef, reportedRuntimeMs } from '@neuralpower/protocol';
import { z } from 'zod';
import { HttpError } from '../http/router.js';
import { type CollectorLimits, DEFAULT_LIMITS } from '../limits.js';
import type { ModelRepository, VersionPointer } from '../store/models.js';
import type { MeasurementRow } from '../store/queries.js';
import type { ModelCache } from './model-cache.js';
import {
  buildInputNetwork,
  checkNetworkSize,
  NetworkSizeError,
  networkInputSchema,
  zooName,
} from './network-input.js';

export const predictRequestSchema = z.object({
  platform: z.string().min(1).max(64),
  /** a platform model version: predicts with the snapshot at it (newest version ≤ it per kind and target) */
  version: z.number().int().positive().optional(),
  network: networkInputSchema,
  batch: z.number().int().positive().max(1_000_000).optional(),
  /** input height and width, overriding the network's own */
  input: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  runtimeFloorMs: z.number().nonnegative().optional(),
});
export type PredictRequest = z.input<typeof predictRequestSchema>;

export interface PredictResponse extends NetworkPrediction {
  readonly platform: string;
  /** the snapshot requested, or null for the current pointers */
  readonly version: number | null;
  /** the model versions used, per kind and target */
  readonly models: readonly VersionPointer[];
  /** the family of each kind's power model (polynomial or saturating) and a saturating one's bounds */
  readonly powerModels: readonly PowerModelSummary[];
}

export interface ValidationRow {
  readonly version: number;
  readonly runtimeMs: number;
  readonly powerW: number | null;
  readonly energyMj: number | null;
  /** (predicted − measured) / measured, in percent */
  readonly runtimeErrorPct: number;
  readonly powerErrorPct: number | null;
  readonly energyErrorPct: number | null;
  readonly complete: boolean;
}

export interface ValidationEntry {
  readonly measurementId: number;
  readonly network: string;
  readonly batch: number;
  readonly measuredAt: string;
  readonly measured: { runtimeMs: number; powerW: number | null; energyMj: number | null };
  /** one row per platform model version (snapshot), oldest first */
  readonly predictions: readonly ValidationRow[];
  readonly error: string | null;
}

/** Answers predictions from cached parsed models; networks from the zoo are cached too. */
export class PredictService {
  private readonly zooCache = new Map<string, Network>();
  /**
   * Serialized responses for zoo networks, keyed by the model versions used and every request
   * option. Versions are immutable, so a hit is exactly what recomputing would give.
   */
  private readonly responseCache = new Map<string, string>();

  constructor(
    private readonly models: ModelRepository,
    private readonly cache: ModelCache,
    private readonly platformExists: (id: string) => Promise<boolean>,
    private readonly limits: Pick<CollectorLimits, 'maxPredictNodes' | 'maxResponseBytes'> = DEFAULT_LIMITS,
  ) {}

  async predict(body: unknown): Promise<PredictResponse> {
    const req = this.parse(body);
    return this.compute(req, await this.pointers(req.platform, req.version));
  }

  /** The response as JSON text; repeated zoo-network requests are answered from the cache. */
  async predictJson(body: unknown): Promise<string> {
    const req = this.parse(body);
    const pointers = await this.pointers(req.platform, req.version);
    const zoo = zooName(req.network);
    if (zoo === null) return this.bounded(JSON.stringify(await this.compute(req, pointers)));
    const key = [
      req.platform,
      req.version ?? '',
      pointers.map((p) => p.version).join(','),
      zoo,
      req.batch ?? '',
      req.input?.join('x') ?? '',
      req.runtimeFloorMs ?? '',
    ].join('|');
    const cached = this.responseCache.get(key);
    if (cached !== undefined) return cached;
    const text = this.bounded(JSON.stringify(await this.compute(req, pointers)));
    if (this.responseCache.size >= 512) this.responseCache.delete(this.responseCache.keys().next().value!);
    this.responseCache.set(key, text);
    return text;
  }

  private bounded(text: string): string {
    const bytes = Buffer.byteLength(text);
    if (bytes > this.limits.maxResponseBytes) {
      throw new HttpError(
        413,
        `the prediction would be ${bytes} bytes, over the response limit of ${this.limits.maxResponseBytes} (--max-response-mb)`,
        'network',
      );
    }
    return text;
  }

  private parse(body: unknown): z.output<typeof predictRequestSchema> {
    const parsed = predictRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.') || null;
      throw new HttpError(400, `${field ?? 'body'}: ${issue.message}`, field);
    }
    // Before any lookup: an oversized description is refused whatever platform it names.
    try {
      checkNetworkSize(parsed.data.network, this.limits.maxPredictNodes);
    } catch (err) {
      if (err instanceof NetworkSizeError) throw new HttpError(413, `network: ${err.message}`, 'network');
      throw err;
    }
    return parsed.data;
  }

  private async compute(
    req: z.output<typeof predictRequestSchema>,
    pointers: VersionPointer[],
  ): Promise<PredictResponse> {
    const network = this.network(req);
    const models = await this.cache.modelSet(req.platform, pointers);
    let prediction: NetworkPrediction;
    try {
      prediction = predictNetwork(
        network,
        models,
        req.runtimeFloorMs === undefined ? {} : { runtimeFloorMs: req.runtimeFloorMs },
      );
    } catch (err) {
      if (err instanceof PredictionError) throw new HttpError(400, err.message, err.field);
      throw err;
    }
    return {
      platform: req.platform,
      version: req.version ?? null,
      models: pointers,
      powerModels: powerModelSummaries(models),
      ...prediction,
    };
  }

  /** Measured end-to-end networks of a platform against every model version's prediction. */
  async validate(platformId: string, records: readonly MeasurementRow[]): Promise<ValidationEntry[]> {
    const versions = await this.models.versionNumbers(platformId);
    const sets = await Promise.all(
      versions.map(async (version) =>
        this.cache.modelSet(platformId, await this.cache.snapshotPointers(platformId, version)),
      ),
    );
    return records.map((row) => {
      const measured = {
        // The runtime the record reports: its median when block-timed (what the models are fitted to).
        runtimeMs: reportedRuntimeMs(
          JSON.parse(row.record_json) as Pick<NetworkRecord, 'runtime' | 'precision'>,
        ),
        powerW: row.power_mean_w,
        energyMj: row.energy_mj,
      };
      const base = {
        measurementId: row.id,
        network: row.network_name ?? '(unnamed)',
        batch: row.batch,
        measuredAt: row.started_at,
        measured,
      };
      let network: Network;
      try {
        const ref = (JSON.parse(row.record_json) as { network: NetworkRef }).network;
        network = ref.graph
          ? buildNetwork({ name: ref.name, batch: row.batch, input: ref.graph.input, nodes: ref.graph.nodes })
          : this.zoo(ref.zoo!, row.batch, undefined);
      } catch (err) {
        return { ...base, predictions: [], error: (err as Error).message };
      }
      const predictions = versions.map((version, i): ValidationRow => {
        const p = predictNetwork(network, sets[i]!);
        return {
          version,
          runtimeMs: p.totals.runtimeMs,
          powerW: p.totals.powerW,
          energyMj: p.totals.energyMj,
          runtimeErrorPct: pctError(p.totals.runtimeMs, measured.runtimeMs)!,
          powerErrorPct: pctError(p.totals.powerW, measured.powerW),
          energyErrorPct: pctError(p.totals.energyMj, measured.energyMj),
          complete: p.totals.runtimeComplete && (measured.powerW === null || p.totals.energyComplete),
        };
      });
      return { ...base, predictions, error: null };
    });
  }

  private async pointers(platformId: string, version: number | undefined): Promise<VersionPointer[]> {
    const pointers =
      version === undefined
        ? await this.cache.currentPointers(platformId)
        : await this.cache.snapshotPointers(platformId, version);
    // A platform with models exists; only an empty answer needs the (uncached) platform lookup.
    if (pointers.length === 0 && !(await this.platformExists(platformId)))
      throw new HttpError(404, `unknown platform ${JSON.stringify(platformId)}`, 'platform');
    if (pointers.length === 0) {
      throw new HttpError(
        404,
        version === undefined
          ? `platform ${platformId} has no fitted models yet; fit with POST /v1/platforms/${platformId}/fit`
          : `platform ${platformId} has no model version ≤ ${version}`,
        version === undefined ? 'platform' : 'version',
      );
    }
    return pointers;
  }

  private network(req: z.output<typeof predictRequestSchema>): Network {
    const opts = {
      ...(req.batch !== undefined && { batch: req.batch }),
      ...(req.input !== undefined && { input: req.input }),
    };
    const max = this.limits.maxPredictNodes;
    let network: Network;
    try {
      const name = zooName(req.network);
      network = name !== null ? this.zoo(name, req.batch, req.input) : buildInputNetwork(req.network, opts);
    } catch (err) {
      if (err instanceof RangeError) {
        // "Maximum call stack size exceeded" from an importer walking a deeply nested description.
        throw new HttpError(400, `network: the description is nested too deeply (${err.message})`, 'network');
      }
      if (err instanceof NetworkError) {
        throw new HttpError(400, `network: ${err.message}`, err.field ? `network.${err.field}` : 'network');
      }
      // Whatever else an importer or the zoo throws was caused by the description the client sent.
      throw new HttpError(400, `network: ${(err as Error).message}`, 'network');
    }
    if (network.layers.length > max) {
      throw new HttpError(
        413,
        `network: ${network.layers.length} layers, over the limit of ${max} (--max-predict-nodes)`,
        'network',
      );
    }
    return network;
  }

  private zoo(
    name: string,
    batch: number | undefined,
    input: readonly [number, number] | undefined,
  ): Network {
    const key = `${name}|${batch ?? ''}|${input?.join('x') ?? ''}`;
    const cached = this.zooCache.get(key);
    if (cached) return cached;
    const network = zooNetwork(name, {
      ...(batch !== undefined && { batch }),
      ...(input !== undefined && { input }),
    });
    if (this.zooCache.size >= 256) this.zooCache.delete(this.zooCache.keys().next().value!);
    this.zooCache.set(key, network);
    return network;
  }
}

function pctError(predicted: number | null, measured: number | null): number | null {
  if (predicted === null || measured === null || measured === 0) return null;
  return ((predicted - measured) / measured) * 100;
}
