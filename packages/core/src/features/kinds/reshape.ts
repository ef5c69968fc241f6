import { simpleKind } from './simple.js';

/** Reshape: usually a view, but measured like any layer. */
export const reshapeFeatures = simpleKind({ kind: 'reshape' });
