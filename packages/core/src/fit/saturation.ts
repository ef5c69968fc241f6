import { weightedSse } from './problem.js';

/**
 * When to stop a λ path early because the model has saturated (glmnet's rule, adapted).
 *
 * With fewer training rows than candidate terms (a fresh platform: a few dozen measurements per layer
 * kind against 30–127 polynomial terms) the small-λ end of the path is degenerate: on those rows the
 * columns are (nearly) dependent, the Lasso solution there is not unique or badly conditioned, and
 * coordinate descent needs thousands of sweeps per λ to meet its tolerance (measured on a real
 * platform: 1 000–30 000 sweeps per λ for pool and conv, 5 s per fit) while the fit only chases noise.
 * glmnet stops a path once (a) the fraction of deviance explained reaches 0.999, (b) it grows by less
 * than 1e-5 (relative) from one λ to the next, or (c) the non-zero count reaches the number of rows.
 * We stop on the same signs, with (c) at rows − 1 (the rank of the centred training rows, beyond which
 * the solution cannot be unique), and one more: (d) on a cross-validation fold, a λ whose solve needs
 * more than FOLD_SWEEPS_WHEN_SATURATING sweeps while the support already holds at least half as many
 * columns as there are rows — there, coordinate descent crawling is the symptom of a nearly degenerate
 * support (ill-posed for the Newton polish too) and the held-out error has stopped moving. A slow solve
 * on a small support is not: near λmax a few strongly correlated terms (x, x², x³) entering together
 * can also take a few hundred sweeps, and stopping there cost the squared objective's CV curve its
 * whole useful range (measured: conv's squared CV RMSPE 60 → 286). Cross-validation then treats every
 * smaller λ as that fold's last solution (carried forward), so each fold has an error for every λ.
 *
 * The rule applies only when the problem has at least as many usable columns as training rows. When
 * n ≫ p the whole path is cheap and its small-λ end is where runtime models live (MATLAB `lasso`, which
 * the paper used, computes the whole path), so those fits are exactly as before.
 */
export const SATURATED_DEVIANCE_RATIO = 0.999;
export const MIN_RELATIVE_DEVIANCE_GAIN = 1e-5;
/** As glmnet (`mnlam`): at least this many λ are solved before the rule may stop a path. */
export const MIN_PATH_POINTS = 5;
/**
 * Sweep limit per λ on a cross-validation fold while the rule is on (a capped solve counts as
 * unconverged; the path goes on from it unless (d) stops it). With 100 the kept model and its
 * out-of-fold RMSPE were unchanged on every kind of the real platform and on synthetic 25–100-row
 * polynomial problems; 50 already moved a chosen λ there. The final fit on all rows keeps maxIter.
 */
export const FOLD_SWEEPS_WHEN_SATURATING = 100;

export class SaturationWatch {
  readonly enabled: boolean;
  private previousRatio = 0;
  private points = 0;
  private readonly scratch: Int32Array;

  /**
   * `M`: the training rows' moment matrix; `rows`: how many training rows; `usableColumns`: columns that
   * vary on them; `nullDeviance`: their weighted variance of y (per unit weight).
   */
  constructor(
    private readonly M: Float64Array,
    private readonly p: number,
    private readonly rows: number,
    usableColumns: number,
    private readonly nullDeviance: number,
  ) {
    this.enabled = usableColumns >= rows && nullDeviance > 0;
    this.scratch = new Int32Array(p + 2);
  }

  /** The per-λ sweep limit for a cross-validation fold's path. */
  foldMaxIter(maxIter: number): number {
    return this.enabled ? Math.min(maxIter, FOLD_SWEEPS_WHEN_SATURATING) : maxIter;
  }

  /**
   * Call after each λ of the path with its solution (b, centred intercept a) and whether that solve hit
   * its sweep limit; true: the path stops here.
   */
  saturated(b: Float64Array, a: number, capped: boolean): boolean {
    if (!this.enabled) return false;
    this.points++;
    const { p } = this;
    let nonZero = 0;
    for (let j = 0; j < p; j++) if (b[j] !== 0) nonZero++;
    if (nonZero === 0) return false;
    const q = p + 2;
    const weight = this.M[p * q + p]!;
    const ratio = 1 - weightedSse(this.M, p, b, a, this.scratch) / weight / this.nullDeviance;
    const gain = ratio - this.previousRatio;
    this.previousRatio = ratio;
    if (this.points < MIN_PATH_POINTS) return false;
    return (
      (capped && 2 * nonZero >= this.rows) ||
      nonZero >= this.rows - 1 ||
      ratio >= SATURATED_DEVIANCE_RATIO ||
      gain < MIN_RELATIVE_DEVIANCE_GAIN * ratio
    );
  }
}
