import { createModelSet, type LayerModel, type ModelSet, parseModel } from '@neuralpower/core';
import type { ModelStore, VersionPointer } from '../db/models-store.js';

/**
 * Parsed models by (platform, version). Versions are immutable, so an entry never goes stale; only
 * the pointers (a cheap query per request) decide which entries a prediction uses.
 */
export class ModelCache {
  private readonly models = new Map<string, LayerModel>();
  private readonly sets = new Map<string, ModelSet>();

  constructor(
    private readonly store: ModelStore,
    private readonly maxEntries = 2000,
  ) {}

  /** The model set the pointers name, built once per distinct pointer set. */
  modelSet(platformId: string, pointers: readonly VersionPointer[]): ModelSet {
    const setKey = `${platformId}#${pointers.map((p) => p.version).join(',')}`;
    const cached = this.sets.get(setKey);
    if (cached) return cached;
    const set = createModelSet(pointers.map((p) => this.model(platformId, p.version)));
    this.remember(this.sets, setKey, set);
    return set;
  }

  model(platformId: string, version: number): LayerModel {
    const key = `${platformId}#${version}`;
    const cached = this.models.get(key);
    if (cached) return cached;
    const text = this.store.modelJson(platformId, version);
    if (text === null) throw new Error(`platform ${platformId} has no model version ${version}`);
    const model = parseModel(JSON.parse(text));
    this.remember(this.models, key, model);
    return model;
  }

  private remember<T>(map: Map<string, T>, key: string, value: T): void {
    // Oldest-first eviction keeps memory bounded on collectors with many platforms.
    if (map.size >= this.maxEntries) map.delete(map.keys().next().value!);
    map.set(key, value);
  }
}
