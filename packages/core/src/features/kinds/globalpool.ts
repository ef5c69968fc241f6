import { simpleKind } from './simple.js';

/** Global pooling reads the whole input and writes one value per channel: it scales with the input. */
export const globalpoolFeatures = simpleKind({
  kind: 'globalpool',
  size: 'Ein',
  extraRuntime: [['output', ['N', 'Cout']]],
});
