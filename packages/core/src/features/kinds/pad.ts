import { simpleKind } from './simple.js';

/** Zero padding: writes the padded output, reads the smaller input. */
export const padFeatures = simpleKind({ kind: 'pad', extraRuntime: [['input', ['N', 'Ein']]] });
