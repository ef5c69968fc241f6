export * from './family.js';
export * from './saturating.js';
export * from './serialize.js';
