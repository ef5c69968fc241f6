export * from './errors.js';
export * from './fingerprint.js';
export * from './key.js';
export * from './messages.js';
export * from './parse.js';
export * from './records.js';
export { layerSpecSchema, shapeSchema } from './schemas-common.js';
export * from './version.js';
