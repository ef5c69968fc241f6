import type { Target } from '../features/kind.js';
import type { ModelKind } from '../layers/describe.js';
import type { LayerModel } from '../model/types.js';
import type { NetworkCorrection } from '../network-correction/types.js';
import { PredictionError } from './errors.js';

/** The models of one platform, looked up by model kind × target. */
export interface ModelSet {
  readonly models: readonly LayerModel[];
  get(kind: ModelKind, target: Target): LayerModel | undefined;
  /** Whether any model predicts this target (platforms without power readings have no power models). */
  has(target: Target): boolean;
  /** What the sum of layers misses on this platform, learned from whole networks; null without one. */
  readonly networkCorrection: NetworkCorrection | null;
}

export function createModelSet(
  models: readonly LayerModel[],
  networkCorrection: NetworkCorrection | null = null,
): ModelSet {
  const byKey = new Map<string, LayerModel>();
  models.forEach((m, i) => {
    const key = `${m.kind}/${m.target}`;
    if (byKey.has(key)) throw new PredictionError(`models[${i}]`, `a second ${m.kind} ${m.target} model`);
    byKey.set(key, m);
  });
  const targets = new Set(models.map((m) => m.target));
  return Object.freeze({
    models: Object.freeze([...models]),
    get: (kind: ModelKind, target: Target) => byKey.get(`${kind}/${target}`),
    has: (target: Target) => targets.has(target),
    networkCorrection,
  });
}
