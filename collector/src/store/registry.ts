import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { OpenStoreOptions, Store } from './store.js';

export interface StoreImplementation {
  readonly name: string;
  /** whether this implementation serves the locator (a path, a URL) */
  readonly accepts: (locator: string) => boolean;
  readonly open: (locator: string, options: OpenStoreOptions) => Promise<Store>;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;
/** Any `scheme://`: a URL, never a file name (SQLite's `file:` URIs are not used here). */
const ANY_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Adding a store: its folder under store/ and one line here. */
const IMPLEMENTATIONS: readonly StoreImplementation[] = [
  { name: 'sqlite', accepts: (locator) => !ANY_URL.test(locator), open: openSqliteStore },
  // Loaded on use: a SQLite collector never loads the PostgreSQL client.
  {
    name: 'postgres',
    accepts: (locator) => POSTGRES_URL.test(locator),
    open: async (locator, options) =>
      (await import('./postgres/postgres-store.js')).openPostgresStore(locator, options),
  },
];

/**
 * Opens the store a locator names: a file path → SQLite (created with the schema if missing);
 * `postgres://…` or `postgresql://…` → PostgreSQL.
 */
export async function openStore(locator: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (locator.trim() === '')
    throw new Error('no database given: pass --db PATH or --db postgres://… (or set NEURALPOWER_DB)');
  const impl = IMPLEMENTATIONS.find((i) => i.accepts(locator));
  if (impl) return impl.open(locator, options);
  if (POSTGRES_URL.test(locator)) {
    throw new Error('the PostgreSQL store is not available in this build: use a SQLite file path for --db');
  }
  const scheme = /^([^:]+):/.exec(locator)?.[1] ?? locator;
  throw new Error(
    `unsupported database ${JSON.stringify(scheme)}: --db takes a SQLite file path or a postgres:// URL`,
  );
}
