export * from './extended.js';
export * from './kind.js';
export * from './registry.js';
export * from './terms.js';
