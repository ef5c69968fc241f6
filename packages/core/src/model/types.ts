import type { Target } from '../features/kind.js';
import type { FitReport } from '../fit/index.js';
import type { LayerInstance, ModelKind } from '../layers/describe.js';
import type { LayerConfig } from '../layers/spec.js';

/** The format fitting writes; `/2` added the prediction interval, `/3` the model `family`. */
export const MODEL_FORMAT = 'neuralpower.model/3';
/**
 * Formats the parsers read: `/1` files (no interval) and `/2` files (no family: every one is a
 * polynomial) stay readable and re-serialise unchanged.
 */
export const MODEL_FORMATS = ['neuralpower.model/1', 'neuralpower.model/2', 'neuralpower.model/3'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

/**
 * How a model computes its prediction: `polynomial` = the paper's sparse polynomial of the layer's
 * hyper-parameters (runtime and power); `saturating` = a power model driven by the layer's work rate
 * that rises from idle power and saturates at the board limit (packages/core/src/power).
 */
export const MODEL_FAMILIES = ['polynomial', 'saturating'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/**
 * A prediction interval from the fit's out-of-fold residuals: the `level` central share of the
 * ratios measured / predicted (each training row predicted by the fold model that did not see it)
 * lay within [lowRatio, highRatio]. A prediction ŷ gets the interval [ŷ·lowRatio, ŷ·highRatio].
 */
export interface PredictionInterval {
  readonly level: number;
  readonly lowRatio: number;
  readonly highRatio: number;
  /** Out-of-fold rows the quantiles came from. */
  readonly n: number;
}

/** One training example: a measured layer configuration and its runtime (ms) or power (W). */
export interface TrainingRow {
  readonly config: LayerConfig;
  readonly value: number;
  /**
   * How much the row counts in the fit (the Lasso's sample weight; default 1), e.g. from how precisely
   * it was measured. Only ratios between rows matter.
   */
  readonly weight?: number;
}

export interface ValueRange {
  readonly min: number;
  readonly max: number;
}

/** Enough about the training set to tell when a prediction extrapolates, and which data it came from. */
export interface TrainingSummary {
  readonly n: number;
  /** Range of each raw feature of the kind over the training rows. */
  readonly features: Readonly<Record<string, ValueRange>>;
  /** Range of the measured target (ms or W). */
  readonly target: ValueRange;
  /**
   * Candidate terms that were distinct on these rows and offered to the fitter; the others were
   * constant or exact copies of an earlier term here, and have coefficient 0. Absent in files
   * written before it was recorded.
   */
  readonly distinctTerms?: number;
  /** `sha256:<hex>` of the canonical JSON of the rows (spec, inputs, batch, value), in order. */
  readonly hash: string;
}

/** The serialised form of a polynomial layer model (`neuralpower.model/3`); see docs/models.md. */
export interface ModelJson {
  readonly format: ModelFormat;
  /** Present from `neuralpower.model/3` on (always `polynomial` here); absent in `/1` and `/2` files. */
  readonly family?: 'polynomial';
  readonly kind: ModelKind;
  readonly target: Target;
  readonly unit: 'ms' | 'W';
  /** Candidate term names, aligned with `coefficients` (zeros are terms the Lasso dropped). */
  readonly terms: readonly string[];
  /** Coefficients in original units: prediction = intercept + Σ coefficient·term. */
  readonly coefficients: readonly number[];
  readonly intercept: number;
  readonly objective: FitReport['objective'];
  readonly lambda: number;
  readonly report: FitReport;
  readonly training: TrainingSummary;
  /** Present from `neuralpower.model/2` on; absent in `/1` files. */
  readonly interval?: PredictionInterval;
}

/** A fitted, immutable per-kind model for one target. */
export interface LayerModel extends Omit<ModelJson, 'interval' | 'family'> {
  readonly family: 'polynomial';
  /** The out-of-fold prediction interval; null for models read from `/1` files. */
  readonly interval: PredictionInterval | null;
  /** Predicted runtime (ms) or power (W) of a layer configuration of this model's kind. */
  predict(config: LayerConfig): number;
  /** Same, for a layer already described (shapes and costs inferred). */
  predictLayer(layer: LayerInstance): number;
  /** The interval around a prediction of this model ([ŷ·lowRatio, ŷ·highRatio]); null without one. */
  intervalOf(predicted: number): { low: number; high: number } | null;
  /** Raw features of the layer outside the training range, e.g. `Cin=1024 (trained 3..436)`. */
  outOfRange(layer: LayerInstance): string[];
}

/** A model cannot be fitted, parsed or applied; `field` names the offending part (`rows[3].spec.kind`, `terms[7]`). */
export class ModelError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ModelError';
    this.field = field;
  }
}
