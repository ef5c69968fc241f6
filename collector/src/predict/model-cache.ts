import {
  createModelSet,
  type KindModel,
  type ModelSet,
  type NetworkCorrection,
  parseKindModel,
  parseNetworkCorrection,
} from '@neuralpower/core';
import { NETWORK_CORRECTION_KIND } from '../fit/network-correction-job.js';
import type { ModelRepository, ModelVersionChange, VersionPointer } from '../store/models.js';

/**
 * Parsed models by (platform, version), and the pointers a prediction uses. Versions are
 * immutable, so a parsed model or a snapshot's pointers never go stale; the current pointers are
 * cached per platform until the store announces a change (`Store.onModelVersionChange`, which on
 * a shared database reaches every replica).
 */
export class ModelCache {
  private readonly models = new Map<string, KindModel | NetworkCorrection>();
  private readonly sets = new Map<string, ModelSet>();
  private readonly current = new Map<string, VersionPointer[]>();
  private readonly snapshots = new Map<string, VersionPointer[]>();
  /** bumped by every change: a read that started before one is not cached */
  private generation = 0;

  constructor(
    private readonly store: ModelRepository,
    private readonly maxEntries = 2000,
  ) {}

  /** Drops what a change may have made stale (subscribe it to `Store.onModelVersionChange`). */
  readonly invalidate = (change: ModelVersionChange): void => {
    this.generation++;
    if (change.platformId === null) this.current.clear();
    else this.current.delete(change.platformId);
  };

  /** The current pointers of a platform. */
  async currentPointers(platformId: string): Promise<VersionPointer[]> {
    const cached = this.current.get(platformId);
    if (cached) return cached;
    const generation = this.generation;
    const pointers = await this.store.currentPointers(platformId);
    if (generation === this.generation) this.remember(this.current, platformId, pointers);
    return pointers;
  }

  /** The pointers of the snapshot at `version` (fixed once the version exists). */
  async snapshotPointers(platformId: string, version: number): Promise<VersionPointer[]> {
    const key = `${platformId}#${version}`;
    const cached = this.snapshots.get(key);
    if (cached) return cached;
    const pointers = await this.store.snapshotPointers(platformId, version);
    // A snapshot above the newest version would still grow: only cache versions that exist.
    if (pointers.some((p) => p.version === version)) this.remember(this.snapshots, key, pointers);
    return pointers;
  }

  /** The model set the pointers name (the network correction among them), built once per pointer set. */
  async modelSet(platformId: string, pointers: readonly VersionPointer[]): Promise<ModelSet> {
    const setKey = `${platformId}#${pointers.map((p) => p.version).join(',')}`;
    const cached = this.sets.get(setKey);
    if (cached) return cached;
    const layers = pointers.filter((p) => p.kind !== NETWORK_CORRECTION_KIND);
    const correction = pointers.find((p) => p.kind === NETWORK_CORRECTION_KIND);
    const set = createModelSet(
      await Promise.all(layers.map((p) => this.model(platformId, p.version))),
      correction ? await this.correction(platformId, correction.version) : null,
    );
    this.remember(this.sets, setKey, set);
    return set;
  }

  model(platformId: string, version: number): Promise<KindModel> {
    return this.parsed(platformId, version, parseKindModel);
  }

  correction(platformId: string, version: number): Promise<NetworkCorrection> {
    return this.parsed(platformId, version, parseNetworkCorrection);
  }

  private async parsed<T extends KindModel | NetworkCorrection>(
    platformId: string,
    version: number,
    parse: (json: unknown) => T,
  ): Promise<T> {
    const key = `${platformId}#${version}`;
    const cached = this.models.get(key);
    if (cached) return cached as T;
    const text = await this.store.modelJson(platformId, version);
    if (text === null) throw new Error(`platform ${platformId} has no model version ${version}`);
    const model = parse(JSON.parse(text));
    this.remember(this.models, key, model);
    return model;
  }

  private remember<T>(map: Map<string, T>, key: string, value: T): void {
    // Oldest-first eviction keeps memory bounded on collectors with many platforms.
    if (map.size >= this.maxEntries) map.delete(map.keys().next().value!);
    map.set(key, value);
  }
}
