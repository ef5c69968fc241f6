export * from './saturating.js';
