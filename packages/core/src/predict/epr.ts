import { PredictionError } from './errors.js';

/**
 * Energy-precision ratio (the paper's architecture-selection metric): error^α · energy per inference.
 * Lower is better; α ≥ 0 weighs accuracy against energy (α = 0 ranks by energy alone).
 * `error` is the model's error rate in (0, 1]; `energyMj` the energy of one inference, > 0.
 */
export function energyPrecisionRatio(error: number, energyMj: number, alpha: number): number {
  if (typeof error !== 'number' || !(error > 0 && error <= 1)) {
    throw new PredictionError('error', `must be an error rate in (0, 1] (got ${JSON.stringify(error)})`);
  }
  if (typeof energyMj !== 'number' || !Number.isFinite(energyMj) || energyMj <= 0) {
    throw new PredictionError('energyMj', `must be a finite energy > 0 (got ${JSON.stringify(energyMj)})`);
  }
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0) {
    throw new PredictionError('alpha', `must be a finite number ≥ 0 (got ${JSON.stringify(alpha)})`);
  }
  return error ** alpha * energyMj;
}
