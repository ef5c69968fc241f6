import type { PredictionInterval, ValueRange } from '../model/types.js';

/** The network correction's own file format (stored next to the layer models, one per platform). */
export const NETWORK_CORRECTION_FORMAT = 'neuralpower.network-correction/1';

/**
 * What the correction knows of a network: the sum of its predicted layer runtimes, how many layers it
 * dispatches, and the megabytes of activations its layers write (what moves between layers).
 */
export interface NetworkFeatures {
  readonly sumMs: number;
  readonly layers: number;
  readonly activationMb: number;
}

/** One network measured end to end, with its features under the current layer models. */
export interface NetworkObservation extends NetworkFeatures {
  /** Records of the same network share a name: cross-validation leaves them out together. */
  readonly name: string;
  readonly measuredMs: number;
}

/** Terms a correction may use besides the sum: a constant, per-layer and per-MB costs. */
export type CorrectionTerm = 'const' | 'sumMs' | 'layers' | 'activationMb';

/**
 * Candidate forms, simplest first. `fixedSum` forms keep the sum's coefficient at 1 and learn only
 * what is added to it (measured = Σ + c·layers): the fewest parameters, for platforms with few
 * networks.
 */
export const CORRECTION_FORMS = {
  identity: { fixedSum: true, terms: [] },
  overhead: { fixedSum: true, terms: ['layers'] },
  scale: { fixedSum: false, terms: ['sumMs'] },
  'scale+overhead': { fixedSum: false, terms: ['sumMs', 'layers'] },
  'scale+offset': { fixedSum: false, terms: ['const', 'sumMs'] },
  'scale+overhead+memory': { fixedSum: false, terms: ['sumMs', 'layers', 'activationMb'] },
} as const satisfies Record<string, { fixedSum: boolean; terms: readonly CorrectionTerm[] }>;
export type CorrectionForm = keyof typeof CORRECTION_FORMS;
export const CORRECTION_FORM_NAMES = Object.keys(CORRECTION_FORMS) as CorrectionForm[];

/** The serialised correction (`neuralpower.network-correction/1`); see docs/models.md. */
export interface NetworkCorrectionJson {
  readonly format: typeof NETWORK_CORRECTION_FORMAT;
  readonly form: CorrectionForm;
  /** Coefficients of the form's terms: total = (fixedSum ? Σ : 0) + Σ coefficient·term. */
  readonly coefficients: Readonly<Partial<Record<CorrectionTerm, number>>>;
  /** Networks (distinct names) and records it learned from. */
  readonly networks: number;
  readonly records: number;
  /**
   * Leave-one-network-out RMSPE of every form tried (identity = the plain sum), as a fraction;
   * the chosen form has the lowest, and identity is kept unless another does better.
   */
  readonly cvRmspe: Readonly<Partial<Record<CorrectionForm, number>>>;
  /** The chosen form's left-out errors: mean absolute percentage (fraction) and RMSE in ms. */
  readonly cvMape: number;
  readonly cvRmseMs: number;
  /** Central 90 % of measured / left-out-predicted totals; null with fewer than 2 networks. */
  readonly interval: PredictionInterval | null;
  /** The range of the sum and of the layer count it learned from. */
  readonly training: { readonly sumMs: ValueRange; readonly layers: ValueRange };
}

/** What a correction makes of a network's predicted layers. */
export interface CorrectedTotal {
  /** null when the form gives no positive total here (far outside what it learned from). */
  readonly runtimeMs: number | null;
  readonly runtimeRangeMs: { readonly low: number; readonly high: number } | null;
}

/** A fitted, immutable network correction. */
export interface NetworkCorrection extends NetworkCorrectionJson {
  correct(features: NetworkFeatures): CorrectedTotal;
}
