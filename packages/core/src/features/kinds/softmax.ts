import { simpleKind } from './simple.js';

/** Softmax over channels: exp, sum and divide per row of C values. */
export const softmaxFeatures = simpleKind({
  kind: 'softmax',
  extraRuntime: [['rows', ['N', 'Hout', 'Wout']]],
});
