import type { Registry } from 'prom-client';
import type { CampaignRepository } from './campaigns.js';
import type { CurationRepository } from './curation.js';
import type { FitRepository } from './fits.js';
import type { IngestRepository } from './ingest.js';
import type { StoreIntegrity } from './integrity.js';
import type { ModelRepository, ModelVersionChange } from './models.js';
import type { QueryRepository } from './queries.js';
import type { TokenRepository } from './tokens.js';

export type StoreKind = 'sqlite' | 'postgres';

/**
 * `full` fsyncs the WAL on every commit, so an acked batch survives power loss as well as a killed
 * process. `normal` skips that fsync: still safe against SIGKILL, but the last commits can vanish
 * if the machine loses power. Only SQLite has the choice; other stores ignore it.
 */
export type Synchronous = 'full' | 'normal';

export interface OpenStoreOptions {
  /** reads only: no migrations, no writes (fit and proposal workers) */
  readonly readonly?: boolean;
  /**
   * The collector server's open. SQLite: one collector per file (`<db>.collector-lock`, refused
   * with DatabaseInUseError while another holds it). Stores made for several replicas ignore it.
   */
  readonly exclusive?: boolean;
  /** SQLite only; default `full` */
  readonly synchronous?: Synchronous;
  /**
   * SQLite only: run `PRAGMA quick_check` at open and wait at most `timeoutMs` for it (it goes on
   * in the background); `'skip'`: no check (`--skip-integrity-check`). Absent: no check.
   */
  readonly integrityCheck?: { readonly timeoutMs: number } | 'skip';
}

export interface StoreHealth {
  readonly store: StoreKind;
  /** whether the database answered a trivial query just now */
  readonly ok: boolean;
  /** e.g. `SELECT 1 in 0.4 ms`, or the error */
  readonly detail: string;
}

/**
 * Everything the collector keeps, behind one seam. Every method returns a Promise (even where
 * SQLite is synchronous), so a networked store fits behind it. Implementations: store/sqlite/
 * (default, a file path) and store/postgres/ (`postgres://`); store/registry.ts picks one by the
 * locator. store-contract tests (collector/test/store-contract.ts) run against every one.
 */
export interface Store {
  readonly kind: StoreKind;
  /** What `openStore` was given: a worker thread opens its own store from it. May hold a password. */
  readonly locator: string;
  /** The locator for logs: a path, or a URL without its password. */
  readonly description: string;
  readonly tokens: TokenRepository;
  readonly ingest: IngestRepository;
  readonly models: ModelRepository;
  readonly queries: QueryRepository;
  readonly curation: CurationRepository;
  readonly campaigns: CampaignRepository;
  readonly fits: FitRepository;
  readonly integrity: StoreIntegrity;
  /**
   * Calls `listener` after any process on this database moved a current pointer (addVersions,
   * recordFit with versions, rollback); PostgreSQL: LISTEN/NOTIFY, SQLite: in-process. Caches of
   * pointers and predictions drop the platform's entries. Returns the unsubscribe function.
   */
  onModelVersionChange(listener: (change: ModelVersionChange) => void): () => void;
  /** Asks the database a trivial question; never rejects. */
  health(): Promise<StoreHealth>;
  /** Adds the store's metrics (PostgreSQL: pool and query latency) to the collector's registry. */
  registerMetrics(registry: Registry): void;
  /** Closes connections, workers and locks. Idempotent. */
  close(): Promise<void>;
}
