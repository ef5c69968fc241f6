import type { Target } from '../features/kind.js';
import type { ModelKind } from '../layers/describe.js';
import type { LayerKind } from '../layers/spec.js';
import type { ModelFamily } from '../model/types.js';
import type { Network } from '../network/graph.js';
import { networkFeatures } from '../network-correction/correction.js';
import type { CorrectionForm, NetworkCorrection } from '../network-correction/types.js';
import type { ModelSet } from './model-set.js';
import { type PredictionRange, type PredictOptions, predictInstance, resolveFloor } from './predict-layer.js';

export interface PredictNetworkOptions extends PredictOptions {
  /** The network correction to apply; default the model set's; null: the plain sum of layers. */
  readonly correction?: NetworkCorrection | null;
}

/** What the platform's network correction made of the sum of layers. */
export interface AppliedCorrection {
  readonly form: CorrectionForm;
  /** Networks (and their end-to-end records) the correction learned from. */
  readonly networks: number;
  readonly records: number;
  /** ΣT of the layers, before the correction. */
  readonly uncorrectedRuntimeMs: number;
  /** The corrected total (= totals.runtimeMs when applied). */
  readonly runtimeMs: number;
  /** Leave-one-network-out RMSPE of the chosen form and of the plain sum (fractions). */
  readonly cvRmspe: number;
  readonly identityCvRmspe: number;
  /** False when the form gives no positive total here (the sum is used). */
  readonly applied: boolean;
  /** The layer count or sum lies outside what the correction learned from. */
  readonly extrapolating: boolean;
  /** Whether totals.runtimeRangeMs is the correction's interval (else the layers' bounds added up). */
  readonly calibratesInterval: boolean;
}

export interface LayerPredictionRow {
  readonly name: string;
  readonly kind: LayerKind;
  readonly modelKind: ModelKind | null;
  readonly runtimeMs: number | null;
  readonly runtimeRangeMs: PredictionRange | null;
  readonly powerW: number | null;
  readonly powerRangeW: PredictionRange | null;
  /** The power model's family (polynomial or saturating); null without a power model. */
  readonly powerFamily: ModelFamily | null;
  readonly energyMj: number | null;
  /** runtimeMs / totals.runtimeMs; null when the layer has no runtime. */
  readonly runtimeShare: number | null;
  /** energyMj / totals.energyMj; null when the layer has no energy. */
  readonly energyShare: number | null;
  readonly runtimeFloored: boolean;
  readonly outOfRange: readonly string[];
}

/** A layer the models do not cover; its runtime, power or energy is unknown, never counted as 0. */
export interface UncoveredLayer {
  readonly name: string;
  readonly kind: LayerKind;
  readonly modelKind: ModelKind | null;
  readonly missing: readonly Target[];
  readonly reason: string;
}

export interface PredictionTotals {
  /** The network's runtime: ΣT over the layers with a runtime prediction, corrected when a correction applies. */
  readonly runtimeMs: number;
  /** ΣT over the layers with a runtime prediction, uncorrected. */
  readonly uncorrectedRuntimeMs: number;
  /**
   * With a correction: its interval from the left-out networks' residuals around the corrected
   * total. Without: Σ of the layers' interval bounds (errors of one platform's layers move together,
   * so the bounds add rather than shrink like independent errors would). Null when neither exists.
   */
  readonly runtimeRangeMs: PredictionRange | null;
  /** The network correction and what it did; null when the platform has none. */
  readonly correction: AppliedCorrection | null;
  /** Σ(P·T) / ΣT over the layers with both predictions; null when none has power. */
  readonly powerW: number | null;
  /**
   * Σ(P·T) over the layers with both predictions; null when none has power. With a correction, scaled
   * by corrected / uncorrected runtime: the time the sum misses is taken at the layers' mean power.
   */
  readonly energyMj: number | null;
  /** True when every layer has a runtime prediction. */
  readonly runtimeComplete: boolean;
  /** True when every layer has runtime and power (so power and energy cover the whole network). */
  readonly energyComplete: boolean;
  /** False on a platform with no power models: power and energy are unavailable, not zero. */
  readonly powerAvailable: boolean;
  readonly layers: number;
  readonly coveredLayers: number;
}

export interface NetworkPrediction {
  readonly network: string;
  readonly batch: number;
  /** The floor asked for; null: each runtime model's fastest training runtime (the default). */
  readonly runtimeFloorMs: number | null;
  readonly layers: readonly LayerPredictionRow[];
  readonly uncovered: readonly UncoveredLayer[];
  readonly totals: PredictionTotals;
}

/**
 * The paper's network-level aggregation: runtime = ΣT, power = Σ(P·T)/ΣT, energy = Σ(P·T), over the
 * layers the models cover; the others are listed in `uncovered` and the totals say they are partial.
 */
export function predictNetwork(
  network: Network,
  models: ModelSet,
  options: PredictNetworkOptions = {},
): NetworkPrediction {
  const floorMs = resolveFloor(options);
  const predictions = network.layers.map((layer) => ({ layer, p: predictInstance(layer, models, floorMs) }));

  let runtimeMs = 0;
  let energyMj = 0;
  let runtimeWithPowerMs = 0;
  let withPower = 0;
  for (const { p } of predictions) {
    if (p.runtimeMs !== null) runtimeMs += p.runtimeMs;
    if (p.energyMj !== null && p.runtimeMs !== null) {
      energyMj += p.energyMj;
      runtimeWithPowerMs += p.runtimeMs;
      withPower++;
    }
  }
  const powerAvailable = models.has('power');
  const uncovered: UncoveredLayer[] = [];
  const layers: LayerPredictionRow[] = predictions.map(({ layer, p }) => {
    if (p.missing.length > 0) {
      uncovered.push({
        name: layer.name,
        kind: layer.spec.kind,
        modelKind: p.modelKind,
        missing: p.missing,
        reason:
          p.modelKind === null
            ? `no model kind for a ${layer.spec.kind === 'unsupported' ? `${layer.spec.sourceType} (unsupported)` : layer.spec.kind} layer`
            : `no ${p.missing.join(' or ')} model for ${p.modelKind}`,
      });
    }
    return {
      name: layer.name,
      kind: layer.spec.kind,
      modelKind: p.modelKind,
      runtimeMs: p.runtimeMs,
      runtimeRangeMs: p.runtimeRangeMs,
      powerW: p.powerW,
      powerRangeW: p.powerRangeW,
      powerFamily: p.powerFamily,
      energyMj: p.energyMj,
      runtimeShare: p.runtimeMs !== null && runtimeMs > 0 ? p.runtimeMs / runtimeMs : null,
      energyShare: p.energyMj !== null && energyMj !== 0 ? p.energyMj / energyMj : null,
      runtimeFloored: p.runtimeFloored,
      outOfRange: p.outOfRange,
    };
  });
  const runtimeComplete = predictions.every(({ p }) => p.runtimeMs !== null);
  const timed = predictions.filter(({ p }) => p.runtimeMs !== null);
  const layersRangeMs =
    timed.length > 0 && timed.every(({ p }) => p.runtimeRangeMs !== null)
      ? timed.reduce(
          (acc, { p }) => ({ low: acc.low + p.runtimeRangeMs!.low, high: acc.high + p.runtimeRangeMs!.high }),
          { low: 0, high: 0 },
        )
      : null;
  const correction = options.correction === undefined ? models.networkCorrection : options.correction;
  const applied = correction && runtimeMs > 0 ? applyCorrection(correction, network, runtimeMs) : null;
  const corrected = applied?.correction.applied ? applied : null;
  const scale = corrected ? corrected.correction.runtimeMs / runtimeMs : 1;
  return {
    network: network.name,
    batch: network.batch,
    runtimeFloorMs: floorMs,
    layers,
    uncovered,
    totals: {
      runtimeMs: corrected ? corrected.correction.runtimeMs : runtimeMs,
      uncorrectedRuntimeMs: runtimeMs,
      runtimeRangeMs: corrected ? (corrected.rangeMs ?? layersRangeMs) : layersRangeMs,
      correction: applied?.correction ?? null,
      powerW: withPower > 0 && runtimeWithPowerMs > 0 ? energyMj / runtimeWithPowerMs : null,
      energyMj: withPower > 0 ? energyMj * scale : null,
      runtimeComplete,
      energyComplete: powerAvailable && withPower === predictions.length,
      powerAvailable,
      layers: predictions.length,
      coveredLayers: predictions.filter(({ p }) => p.missing.length === 0).length,
    },
  };
}

function applyCorrection(
  c: NetworkCorrection,
  network: Network,
  sumMs: number,
): { correction: AppliedCorrection; rangeMs: PredictionRange | null } {
  const features = networkFeatures(network, sumMs);
  const total = c.correct(features);
  const { sumMs: trainedSum, layers: trainedLayers } = c.training;
  return {
    correction: {
      form: c.form,
      networks: c.networks,
      records: c.records,
      uncorrectedRuntimeMs: sumMs,
      runtimeMs: total.runtimeMs ?? sumMs,
      cvRmspe: c.cvRmspe[c.form] ?? Number.NaN,
      identityCvRmspe: c.cvRmspe.identity ?? Number.NaN,
      applied: total.runtimeMs !== null,
      calibratesInterval: total.runtimeRangeMs !== null,
      extrapolating:
        sumMs < trainedSum.min ||
        sumMs > trainedSum.max ||
        features.layers < trainedLayers.min ||
        features.layers > trainedLayers.max,
    },
    rangeMs: total.runtimeRangeMs,
  };
}
