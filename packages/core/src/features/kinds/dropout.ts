import { specOf } from '../kind.js';
import { simpleKind } from './simple.js';

/** Dropout as profiled (the paper's code has a dropout model); the rate enters the runtime set. */
export const dropoutFeatures = simpleKind({
  kind: 'dropout',
  extraRaw: [{ name: 'rate', value: (layer) => specOf(layer, 'dropout').rate }],
  extraRuntime: [['dropped', ['N', 'Eout', 'rate']]],
});
