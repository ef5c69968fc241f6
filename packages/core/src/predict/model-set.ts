import type { Target } from '../features/kind.js';
import type { ModelKind } from '../layers/describe.js';
import type { KindModel } from '../model/kind-model.js';
import type { LayerModel, ModelFamily } from '../model/types.js';
import type { NetworkCorrection } from '../network-correction/types.js';
import { PredictionError } from './errors.js';

/** The models of one platform, looked up by model kind × target. */
export interface ModelSet {
  readonly models: readonly KindModel[];
  /** A runtime model is always a polynomial: saturating models predict power only (type and parser). */
  get(kind: ModelKind, target: 'runtime'): LayerModel | undefined;
  get(kind: ModelKind, target: Target): KindModel | undefined;
  /** The family of the kind's power model (polynomial or saturating); null without one. */
  powerFamily(kind: ModelKind): ModelFamily | null;
  /** Whether any model predicts this target (platforms without power readings have no power models). */
  has(target: Target): boolean;
  /** What the sum of layers misses on this platform, learned from whole networks; null without one. */
  readonly networkCorrection: NetworkCorrection | null;
}

export function createModelSet(
  models: readonly KindModel[],
  networkCorrection: NetworkCorrection | null = null,
): ModelSet {
  const byKey = new Map<string, KindModel>();
  models.forEach((m, i) => {
    const key = `${m.kind}/${m.target}`;
    if (byKey.has(key)) throw new PredictionError(`models[${i}]`, `a second ${m.kind} ${m.target} model`);
    byKey.set(key, m);
  });
  const targets = new Set(models.map((m) => m.target));
  function get(kind: ModelKind, target: 'runtime'): LayerModel | undefined;
  function get(kind: ModelKind, target: Target): KindModel | undefined;
  function get(kind: ModelKind, target: Target): KindModel | undefined {
    return byKey.get(`${kind}/${target}`);
  }
  return Object.freeze({
    models: Object.freeze([...models]),
    get,
    has: (target: Target) => targets.has(target),
    powerFamily: (kind: ModelKind) => byKey.get(`${kind}/power`)?.family ?? null,
    networkCorrection,
  });
}

/** One power model of a set, as `predict` and the HTTP API describe it. */
export interface PowerModelSummary {
  readonly kind: ModelKind;
  readonly family: ModelFamily;
  /** A saturating model's floor and ceiling (W) and where each came from; null for a polynomial. */
  readonly idleW: number | null;
  readonly idleFrom: 'platform' | 'cv' | null;
  readonly limitW: number | null;
  readonly limitFrom: 'platform' | 'cv' | null;
  /** The model's own out-of-fold power RMSPE (fraction). */
  readonly cvRmspe: number;
}

/** The power models of a set, by kind. */
export function powerModelSummaries(set: ModelSet): PowerModelSummary[] {
  return set.models
    .filter((m) => m.target === 'power')
    .map((m) => ({
      kind: m.kind,
      family: m.family,
      idleW: m.family === 'saturating' ? m.idleW : null,
      idleFrom: m.family === 'saturating' ? m.idleFrom : null,
      limitW: m.family === 'saturating' ? m.limitW : null,
      limitFrom: m.family === 'saturating' ? m.limitFrom : null,
      cvRmspe: m.report.rmspe,
    }))
    .sort((a, b) => a.kind.localeCompare(b.kind));
}
