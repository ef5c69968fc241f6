export { formTotal, makeNetworkCorrection, networkFeatures } from './correction.js';
export { fitNetworkCorrection, minNetworks, type NetworkCorrectionOptions } from './fit.js';
export { isNetworkCorrectionJson, parseNetworkCorrection, serializeNetworkCorrection } from './serialize.js';
export * from './types.js';
