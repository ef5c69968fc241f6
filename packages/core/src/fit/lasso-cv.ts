import { fitObjective, type ObjectiveFit } from './cross-validate.js';
import { FitError } from './errors.js';
import { sortByFold } from './moments.js';
import { assignFolds, assignGroupedFolds } from './prng.js';
import type { FitReport, LassoCvOptions, LinearFit, Objective, WeightedReport } from './types.js';
import { resolveOptions, validateData, validateGroups, validateSampleWeights } from './validate.js';

/**
 * Lasso with K-fold cross-validated λ on standardised columns (the NeuralPower fitter). With objective
 * `auto` both the squared and the relative (1/y²-weighted) losses are fitted and the one with the lower
 * out-of-fold RMSPE is kept. Pure and deterministic: the same inputs and seed give bit-identical output.
 */
export function fitLassoCv(
  X: readonly (readonly number[])[],
  y: readonly number[],
  options?: LassoCvOptions,
): LinearFit {
  return fitLassoCvDetailed(X, y, options).fit;
}

/**
 * fitLassoCv plus each fitted objective's path diagnostics (λ grid, CV curve, sweeps, how many λ each
 * fold solved before its path saturated), for tests and benchmarks; the FitReport shape stays that of
 * stored models.
 */
export function fitLassoCvDetailed(
  X: readonly (readonly number[])[],
  y: readonly number[],
  options?: LassoCvOptions,
): { fit: LinearFit; objectives: readonly ObjectiveFit[] } {
  const opts = resolveOptions(options);
  const p = validateData(X, y, opts.folds);
  const foldOf =
    options?.groups === undefined
      ? assignFolds(y.length, opts.folds, opts.seed)
      : assignGroupedFolds(validateGroups(options.groups, y.length, opts.folds), opts.folds, opts.seed);
  const objectives: Objective[] = opts.objective === 'auto' ? ['squared', 'relative'] : [opts.objective];
  const weights =
    options?.sampleWeights === undefined ? null : validateSampleWeights(options.sampleWeights, y.length);
  const sorted = sortByFold(X, y, p, foldOf, opts.folds, weights);
  const fits = objectives.map((o) => fitObjective(sorted, y, opts, o));
  // Weighted rows: the objective is chosen by the weighted error, as λ is.
  const criterion = (f: ObjectiveFit) => f.weightedRmspe ?? f.metrics.rmspe;
  let best = fits[0]!;
  for (const f of fits) if (criterion(f) < criterion(best)) best = f;

  const cvRmspeByObjective: FitReport['cvRmspeByObjective'] = {};
  for (const f of fits) cvRmspeByObjective[f.objective] = f.metrics.rmspe;
  let nonZeroTerms = 0;
  for (const c of best.coefficients) if (c !== 0) nonZeroTerms++;
  const report: FitReport = Object.freeze({
    n: y.length,
    candidateTerms: p,
    nonZeroTerms,
    modelSize: nonZeroTerms + 1,
    // The λ the coefficients were solved at: the CV choice, or where the full path saturated before it.
    lambda: best.lambdas[best.solvedFull - 1]!,
    objective: best.objective,
    objectiveMode: opts.objective,
    selection: opts.selection,
    folds: opts.folds,
    seed: opts.seed,
    ...best.metrics,
    cvRmspeByObjective: Object.freeze(cvRmspeByObjective),
    ...(weights === null ? {} : { weighted: weightedReport(weights, fits, best) }),
  });
  return { fit: makeLinearFit(Array.from(best.coefficients), best.intercept, report), objectives: fits };
}

function weightedReport(
  weights: Float64Array,
  fits: readonly ObjectiveFit[],
  best: ObjectiveFit,
): WeightedReport {
  let sum = 0;
  let sumSq = 0;
  for (const w of weights) {
    sum += w;
    sumSq += w * w;
  }
  const byObjective: WeightedReport['cvRmspeByObjective'] = {};
  for (const f of fits) byObjective[f.objective] = f.weightedRmspe!;
  return Object.freeze({
    effectiveRows: (sum * sum) / sumSq,
    rmspe: best.weightedRmspe!,
    cvRmspeByObjective: Object.freeze(byObjective),
  });
}

/** An immutable linear model ŷ = intercept + x·coefficients. */
export function makeLinearFit(coefficients: number[], intercept: number, report: FitReport): LinearFit {
  const coefs = Object.freeze(coefficients);
  const p = coefs.length;
  return Object.freeze({
    coefficients: coefs,
    intercept,
    report,
    predict(rows: readonly (readonly number[])[]): number[] {
      return rows.map((row, i) => {
        if (row.length !== p) throw new FitError(`rows[${i}]`, `has ${row.length} columns, expected ${p}`);
        let acc = intercept;
        for (let j = 0; j < p; j++) if (coefs[j] !== 0) acc += coefs[j]! * row[j]!;
        return acc;
      });
    },
  });
}

export type { ObjectiveFit };
