export * from './cost.js';
export * from './describe.js';
export * from './errors.js';
export * from './shape.js';
export * from './spec.js';
export * from './validate.js';
