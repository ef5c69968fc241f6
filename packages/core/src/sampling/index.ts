export { type Committee, type CommitteeOptions, committeeDisagreement, fitCommittee } from './committee.js';
export { layerSignature, realNetworkWeights } from './density.js';
export { integratedVarianceReduction, relativeLeverage } from './leverage.js';
export { RANGE_PRESET_NAMES, RANGE_PRESETS, type RangePreset, type SweepRanges } from './ranges.js';
export { Rng } from './rng.js';
export { SAMPLE_KINDS, sampleConfig } from './sample.js';
export { expectedErrorScores } from './score.js';
export {
  type DiverseSelectOptions,
  type SelectOptions,
  selectCandidates,
  selectDiverse,
} from './select.js';
export { configPoint, nearbyMean, relativeDensity, squaredDistance, standardise } from './space.js';
