export { FitError } from './errors.js';
export { fitLassoCv, makeLinearFit } from './lasso-cv.js';
export { type ErrorMetrics, errorMetrics } from './metrics.js';
export { assignFolds, assignGroupedFolds, mulberry32 } from './prng.js';
export type {
  FitReport,
  LambdaSelection,
  LassoCvOptions,
  LinearFit,
  Objective,
  WeightedReport,
} from './types.js';
