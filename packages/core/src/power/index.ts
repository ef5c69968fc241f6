export * from './saturating.js';
export * from './serialize.js';
