export { parseScopes, SCOPES, type Scope } from './auth/scopes.js';
export { type TokenInfo, TokenStore } from './auth/tokens.js';
export { campaignCommand } from './campaigns/cli.js';
export * from './campaigns/client.js';
export * from './cli/index.js';
export * from './client/index.js';
export { type AccessDeps, requireRead, requireScope } from './http/access.js';
export type { CollectorContext } from './http/context.js';
export { ROUTE_MOUNTS, type RouteMount } from './http/mounts.js';
export {
  HttpError,
  type RouteHandler,
  type RouteRequest,
  Router,
  sendJson,
  sendText,
} from './http/router.js';
export { type CollectorLimits, DEFAULT_LIMITS } from './limits.js';
export type { PredictRequest, PredictResponse, ValidationEntry } from './predict/predict-service.js';
export { type CollectorOptions, type RunningCollector, startCollector } from './server.js';
export type { ModelVersionSummary, Target, VersionPointer } from './store/models.js';
export { openStore } from './store/registry.js';
export { integrityCheck, openDatabase } from './store/sqlite/open.js';
export { openSqliteStore, SqliteStore } from './store/sqlite/sqlite-store.js';
export type { OpenStoreOptions, Store, StoreHealth, StoreKind, Synchronous } from './store/store.js';
