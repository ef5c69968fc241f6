import { simpleKind } from './simple.js';

/** Flatten: usually a view, but measured like any layer. */
export const flattenFeatures = simpleKind({ kind: 'flatten' });
