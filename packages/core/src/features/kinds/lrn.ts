import { specOf } from '../kind.js';
import { simpleKind } from './simple.js';

/** Local response normalisation: each output reads a window of 2r+1 channels. */
export const lrnFeatures = simpleKind({
  kind: 'lrn',
  extraRaw: [{ name: 'depth', value: (layer) => 2 * specOf(layer, 'lrn').depthRadius + 1 }],
  extraRuntime: [['window', ['N', 'Eout', 'depth']]],
});
