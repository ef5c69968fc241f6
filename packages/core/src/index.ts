export * from './features/index.js';
export * from './fit/index.js';
export * from './layers/index.js';
export * from './model/index.js';
export * from './network/graph.js';
export * from './power/index.js';
export * from './predict/index.js';
export * from './sampling/index.js';
