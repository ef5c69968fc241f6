import { type LayerModel, type ModelKind, parseModel, type Target } from '../../src/index.js';

/** A model with chosen coefficients, built through the public file format (as a stored model would be). */
export function handModel(
  kind: ModelKind,
  target: Target,
  terms: string[],
  coefficients: number[],
  intercept: number,
): LayerModel {
  const nonZero = coefficients.filter((c) => c !== 0).length;
  return parseModel({
    format: 'neuralpower.model/1',
    kind,
    target,
    unit: target === 'runtime' ? 'ms' : 'W',
    terms,
    coefficients,
    intercept,
    objective: 'squared',
    lambda: 0,
    report: {
      n: 20,
      candidateTerms: terms.length,
      nonZeroTerms: nonZero,
      modelSize: nonZero + 1,
      lambda: 0,
      objective: 'squared',
      objectiveMode: 'squared',
      selection: 'min',
      folds: 10,
      seed: 1,
      rmspe: 0.1,
      rmse: 0.1,
      mape: 0.1,
      within10Pct: 0.5,
      cvRmspeByObjective: { squared: 0.1 },
    },
    training: {
      n: 20,
      features: { N: { min: 1, max: 64 } },
      target: { min: 0.1, max: 100 },
      distinctTerms: terms.length,
      hash: `sha256:${'0'.repeat(64)}`,
    },
  });
}
