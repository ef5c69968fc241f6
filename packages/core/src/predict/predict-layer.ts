import type { Target } from '../features/kind.js';
import { describeLayer, type LayerInstance, type ModelKind, modelKindOf } from '../layers/describe.js';
import type { LayerConfig } from '../layers/spec.js';
import type { ModelFamily } from '../model/types.js';
import { PredictionError } from './errors.js';
import type { ModelSet } from './model-set.js';

/**
 * The paper's prediction code floors runtime at 0.105 ms, roughly one kernel launch on its 2017
 * GPU. A fixed floor does not carry over: on an H200 with torch every layer of AlexNet at batch 1
 * runs in 10–90 µs, so 0.105 ms raised every prediction (a 2.7× overshoot of the network). The
 * default floor is therefore each runtime model's own fastest training runtime — a polynomial can
 * still dip below it (or under zero) for tiny layers, but no layer is predicted faster than the
 * fastest layer of its kind measured on the platform. The paper's value stays an option.
 */
export const PAPER_RUNTIME_FLOOR_MS = 0.105;

export interface PredictOptions {
  /**
   * Minimum predicted runtime of every layer in ms (0 disables the floor; the paper's is
   * PAPER_RUNTIME_FLOOR_MS). Default: each runtime model's fastest training runtime.
   */
  readonly runtimeFloorMs?: number;
}

/** A prediction interval in the prediction's unit (the model's out-of-fold 90 % band). */
export interface PredictionRange {
  readonly low: number;
  readonly high: number;
}

export interface LayerPrediction {
  readonly modelKind: ModelKind | null;
  readonly runtimeMs: number | null;
  /** Where the runtime should fall (the runtime model's interval); null when it has none. */
  readonly runtimeRangeMs: PredictionRange | null;
  readonly powerW: number | null;
  readonly powerRangeW: PredictionRange | null;
  /**
   * The power model's family: `saturating` models take the predicted runtime (after the floor) as
   * the layer's work rate, so power and energy follow the runtime prediction. Null without one.
   */
  readonly powerFamily: ModelFamily | null;
  /** P·T in mJ (W × ms); null unless both runtime and power are predicted. */
  readonly energyMj: number | null;
  /** True when the runtime model predicted less than the floor. */
  readonly runtimeFloored: boolean;
  /** Targets this layer lacks a model for (power is not missing on a platform without power models). */
  readonly missing: readonly Target[];
  /** Raw features outside the training range of the models used (the prediction extrapolates). */
  readonly outOfRange: readonly string[];
}

/** The floor asked for, validated; null: each runtime model's fastest training runtime. */
export function resolveFloor(options: PredictOptions): number | null {
  const floor = options.runtimeFloorMs;
  if (floor === undefined) return null;
  if (typeof floor !== 'number' || !Number.isFinite(floor) || floor < 0) {
    throw new PredictionError('runtimeFloorMs', `must be a finite number ≥ 0 (got ${JSON.stringify(floor)})`);
  }
  return floor;
}

export function predictInstance(
  layer: LayerInstance,
  models: ModelSet,
  floorMs: number | null,
): LayerPrediction {
  const modelKind = modelKindOf(layer.spec);
  const runtimeModel = modelKind ? models.get(modelKind, 'runtime') : undefined;
  const powerModel = modelKind ? models.get(modelKind, 'power') : undefined;
  const missing: Target[] = [];
  if (!runtimeModel) missing.push('runtime');
  if (!powerModel && models.has('power')) missing.push('power');

  let runtimeMs: number | null = null;
  let runtimeFloored = false;
  if (runtimeModel) {
    const raw = runtimeModel.predictLayer(layer);
    const floor = floorMs ?? runtimeModel.training.target.min;
    runtimeFloored = raw < floor;
    runtimeMs = runtimeFloored ? floor : raw;
  }
  let powerW: number | null = null;
  if (powerModel?.family === 'polynomial') powerW = powerModel.predictLayer(layer);
  // Without a positive runtime (no runtime model; floor 0 under a negative polynomial) there is no
  // work rate: the saturating power is unknown, not guessed.
  else if (powerModel && runtimeMs !== null && runtimeMs > 0)
    powerW = powerModel.predictLayer(layer, runtimeMs);
  const outOfRange = new Set<string>();
  for (const m of [runtimeModel, powerModel]) for (const s of m?.outOfRange(layer) ?? []) outOfRange.add(s);
  return {
    modelKind,
    runtimeMs,
    runtimeRangeMs: runtimeMs === null ? null : (runtimeModel?.intervalOf(runtimeMs) ?? null),
    powerW,
    powerRangeW: powerW === null ? null : (powerModel?.intervalOf(powerW) ?? null),
    powerFamily: powerModel?.family ?? null,
    energyMj: runtimeMs !== null && powerW !== null ? runtimeMs * powerW : null,
    runtimeFloored,
    missing,
    outOfRange: [...outOfRange],
  };
}

/** Runtime, power and energy of one layer configuration from the platform's models. */
export function predictLayer(
  config: LayerConfig,
  models: ModelSet,
  options: PredictOptions = {},
): LayerPrediction {
  return predictInstance(describeLayer(config), models, resolveFloor(options));
}
