import { simpleKind } from './simple.js';

/** Element-wise sum: reads every input, so the input elements enter the runtime set. */
export const addFeatures = simpleKind({
  kind: 'add',
  extraRaw: [{ name: 'k', value: (layer) => layer.inputs.length }],
  extraRuntime: [['input', ['N', 'Ein']]],
});
