import { simpleKind } from './simple.js';

/** Element-wise activations (all functions share one model; their cost is memory-bound). */
export const activationFeatures = simpleKind({ kind: 'activation' });
