import { simpleKind } from './simple.js';

/** Inference batch-norm: a per-channel scale and shift, so channels enter the runtime set. */
export const batchnormFeatures = simpleKind({ kind: 'batchnorm', extraRuntime: [['channels', ['Cout']]] });
