import { simpleKind } from './simple.js';

/** Channel concatenation: a copy whose overhead grows with the number of inputs. */
export const concatFeatures = simpleKind({
  kind: 'concat',
  extraRaw: [{ name: 'k', value: (layer) => layer.inputs.length }],
  extraRuntime: [['copies', ['N', 'k']]],
});
