export * from './layers/index.js';
export * from './network/graph.js';
export * from './fit/index.js';
