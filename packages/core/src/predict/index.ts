export * from './epr.js';
export * from './errors.js';
export * from './model-set.js';
export {
  type LayerPrediction,
  PAPER_RUNTIME_FLOOR_MS,
  type PredictionRange,
  type PredictOptions,
  predictLayer,
} from './predict-layer.js';
export * from './predict-network.js';
