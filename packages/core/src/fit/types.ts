/**
 * `squared`: ordinary least squares loss (the paper's choice).
 * `relative`: sample weights 1/y², so the loss is the squared relative error and the fit minimises RMSPE.
 */
export type Objective = 'squared' | 'relative';

export type LambdaSelection = 'min' | '1se';

export interface LassoCvOptions {
  /** Number of cross-validation folds K (default 10, at least 2; needs at least 2·K rows). */
  folds?: number;
  /** Length of the λ path (default 100), log-spaced from λmax down to λmax·lambdaMinRatio. */
  nLambdas?: number;
  /**
   * Smallest λ as a fraction of λmax (default 1e-4, MATLAB `lasso`'s default when n > p, which the
   * paper used; scikit-learn's default `eps` is 1e-3). Polynomial runtime models want a small λ.
   */
  lambdaMinRatio?: number;
  /** Default `auto`: fit both objectives, keep the lower out-of-fold RMSPE, record which. */
  objective?: Objective | 'auto';
  /** `min`: λ at minimum CV error (default); `1se`: largest λ within one standard error of that minimum. */
  selection?: LambdaSelection;
  /** Seeds the fold assignment (default 1). */
  seed?: number;
  /**
   * Group key per row (e.g. the layer's shape): rows with equal keys share a fold, so repeated
   * measurements of one layer never sit on both sides of a split. Default: every row its own group.
   */
  groups?: readonly string[];
  /**
   * A positive weight per row (e.g. from how precisely the row was measured): row i counts wᵢ times
   * in the loss, in the standardisation and in the held-out error that chooses λ and the objective.
   * They multiply the relative objective's 1/y². Only ratios matter; equal weights (or none) give
   * exactly the unweighted fit.
   */
  sampleWeights?: readonly number[];
  /** Most coordinate-descent sweeps per λ (default 100 000). */
  maxIter?: number;
  /**
   * Convergence threshold (default 1e-7, glmnet's): coordinate descent on a λ has converged when no
   * update in a sweep changes the (weighted, normalised) loss by more than tol × the variance of y; a
   * Newton step on the support then makes the solution exact where the signs allow.
   */
  tol?: number;
}

export interface FitReport {
  n: number;
  candidateTerms: number;
  nonZeroTerms: number;
  /** nonZeroTerms + 1 (the intercept), the paper's "model size". */
  modelSize: number;
  /** Chosen λ on scikit-learn's scale: (1/2)·Σ w̃ᵢ rᵢ² + λ‖b‖₁ with Σ w̃ = 1 on standardised columns. */
  lambda: number;
  objective: Objective;
  objectiveMode: Objective | 'auto';
  selection: LambdaSelection;
  folds: number;
  seed: number;
  /** Out-of-fold metrics at the chosen λ: each row is predicted by the fold model that did not see it. */
  rmspe: number;
  rmse: number;
  mape: number;
  /** Share (0..1) of rows predicted within ±10 % out of fold. */
  within10Pct: number;
  /** Out-of-fold RMSPE of each objective that was fitted (both under `auto`). */
  cvRmspeByObjective: { squared?: number; relative?: number };
  /**
   * Present when the rows had unequal sample weights: the out-of-fold RMSPE weighted by them (what
   * λ and the objective were chosen by; the metrics above count every row alike) and Kish's
   * effective number of rows (Σw)² / Σw².
   */
  weighted?: WeightedReport;
}

export interface WeightedReport {
  effectiveRows: number;
  rmspe: number;
  cvRmspeByObjective: { squared?: number; relative?: number };
}

export interface LinearFit {
  /** Coefficients in the original (unstandardised) units, one per column of X. */
  readonly coefficients: readonly number[];
  readonly intercept: number;
  readonly report: FitReport;
  predict(rows: readonly (readonly number[])[]): number[];
}
