export * from './fit-model.js';
export * from './kind-model.js';
export * from './serialize.js';
export * from './sha256.js';
export * from './types.js';
