export * from './errors.js';
export * from './load.js';
export * from './measurement.js';
export * from './measurement-csv.js';
export * from './paper-formats.js';
export * from './training.js';
