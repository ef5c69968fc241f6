/**
 * Which power model a kind gets: the paper's polynomial or the saturating work-rate model, chosen by
 * cross-validated error on the same rows and folds. Used by the collector's fit job and by the CLI's
 * local `neuralpower fit --target power`.
 */
import type { ModelKind } from '../layers/describe.js';
import type { LayerConfig } from '../layers/spec.js';
import { fitLayerModel, type LayerModelOptions } from '../model/fit-model.js';
import type { KindModel } from '../model/kind-model.js';
import { ModelError, type ModelFamily } from '../model/types.js';
import { fitSaturatingPowerModel, usablePowerBounds } from './saturating.js';

/** Which power model family a fit stores: the lower cross-validated error (`auto`), or one forced. */
export const POWER_FAMILY_MODES = ['auto', 'polynomial', 'saturating'] as const;
export type PowerFamilyMode = (typeof POWER_FAMILY_MODES)[number];

export interface PowerFitRow {
  readonly config: LayerConfig;
  readonly powerW: number;
  /** The runtime the record's power was measured at (its work rate). */
  readonly runtimeMs: number;
}

/** What the platform says about its power: null where unknown. */
export interface PlatformPower {
  /** Median of the records' measured idle power (`power.idleW`). */
  readonly idleW: number | null;
  /** The platform's enforced board power limit (fingerprint `enforcedPowerLimitW`). */
  readonly limitW: number | null;
}

/** The choice, stored in the version's report (`report.powerFamily`). */
export interface PowerFamilyChoice {
  readonly mode: PowerFamilyMode;
  readonly chosen: ModelFamily;
  /**
   * Out-of-fold RMSPE of each family on the same folds; null for one not fitted (and why in notes).
   * `saturating` rates held-out rows at their measured runtime; `saturatingAtPredictedRuntime` at
   * the runtime model's out-of-fold prediction, as predictions are made — the figure the choice uses
   * when there is one (null without a runtime model).
   */
  readonly cvRmspe: {
    readonly polynomial: number | null;
    readonly saturating: number | null;
    readonly saturatingAtPredictedRuntime: number | null;
  };
  /** The saturating model's floor and ceiling, and where each came from; null when it was not fitted. */
  readonly idleW: number | null;
  readonly idleFrom: 'platform' | 'cv' | null;
  readonly limitW: number | null;
  readonly limitFrom: 'platform' | 'cv' | null;
  readonly notes: readonly string[];
}

/**
 * Fits the kind's power model: the paper's polynomial and the saturating work-rate model on the same
 * rows, folds and seed, and keeps the one with the lower out-of-fold RMSPE (a tie keeps the
 * polynomial, the paper's baseline). The platform's idle power and limit are the saturating model's
 * floor and ceiling when they fit the readings; otherwise cross-validation chooses them.
 */
export function fitPowerFamily(
  kind: ModelKind,
  rows: readonly PowerFitRow[],
  options: {
    mode: PowerFamilyMode;
    /** the polynomial's options (its term set too); the saturating model takes folds, seed, groups */
    lasso: LayerModelOptions & { folds: number };
    platform: PlatformPower;
    /** per row, the runtime model's out-of-fold runtime (null: none); see cvRmspe */
    predictedRuntimeMs?: readonly (number | null)[];
  },
): { model: KindModel; choice: PowerFamilyChoice } {
  const { mode, lasso, platform, predictedRuntimeMs } = options;
  const notes: string[] = [];
  const fitPolynomial = () =>
    fitLayerModel(
      kind,
      'power',
      rows.map((r) => ({ config: r.config, value: r.powerW })),
      lasso,
    );
  let polynomial = mode === 'saturating' ? null : fitPolynomial();
  let saturating: ReturnType<typeof fitSaturatingPowerModel> | null = null;
  if (mode !== 'polynomial') {
    const bounds = usablePowerBounds(
      rows.map((r) => r.powerW),
      platform,
    );
    notes.push(...bounds.notes);
    if (platform.idleW === null) notes.push('no measured idle power: idle chosen by CV');
    if (platform.limitW === null) notes.push('no platform power limit: limit chosen by CV');
    try {
      saturating = fitSaturatingPowerModel(rows, {
        ...(bounds.idleW !== undefined && { idleW: bounds.idleW }),
        ...(bounds.limitW !== undefined && { limitW: bounds.limitW }),
        folds: lasso.folds,
        ...(lasso.seed !== undefined && { seed: lasso.seed }),
        ...(lasso.groups !== undefined && { groups: lasso.groups }),
        ...(predictedRuntimeMs !== undefined && { predictedRuntimeMs }),
      });
    } catch (err) {
      if (!(err instanceof ModelError)) throw err;
      notes.push(`saturating model not fitted: ${err.message}`);
    }
  }
  // A saturating model is only as good as the runtime it is fed: judged at predicted runtimes when known.
  const saturatingScore = saturating?.report.predictedRuntimeRmspe ?? saturating?.report.rmspe ?? null;
  if (saturating !== null && saturating.report.predictedRuntimeRmspe === null) {
    notes.push('no predicted runtimes: the saturating model is judged at measured runtimes');
  }
  const useSaturating =
    saturating !== null &&
    saturatingScore !== null &&
    Number.isFinite(saturatingScore) &&
    (polynomial === null || saturatingScore < polynomial.report.rmspe);
  if (!useSaturating && polynomial === null) {
    notes.push('the polynomial is stored instead');
    polynomial = fitPolynomial();
  }
  const model: KindModel = useSaturating ? saturating! : polynomial!;
  return {
    model,
    choice: {
      mode,
      chosen: model.family,
      cvRmspe: {
        polynomial: polynomial?.report.rmspe ?? null,
        saturating: saturating?.report.rmspe ?? null,
        saturatingAtPredictedRuntime: saturating?.report.predictedRuntimeRmspe ?? null,
      },
      idleW: saturating?.idleW ?? null,
      idleFrom: saturating?.idleFrom ?? null,
      limitW: saturating?.limitW ?? null,
      limitFrom: saturating?.limitFrom ?? null,
      notes,
    },
  };
}

/** Median of the records' measured idle power; null when none carries one. */
export function medianIdleW(idles: readonly (number | undefined)[]): number | null {
  const known = idles.filter((w): w is number => w !== undefined && Number.isFinite(w) && w > 0);
  if (known.length === 0) return null;
  const sorted = known.sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
