import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Gauge, type Registry } from 'prom-client';
import type { ModelVersionChange } from '../models.js';
import type { OpenStoreOptions, Store, StoreHealth } from '../store.js';
import { SqliteCampaignStore } from './campaign-store.js';
import { SqliteCurationStore } from './curation-store.js';
import { SqliteFitStore } from './fits-store.js';
import { SqliteIngestStore } from './ingest-store.js';
import { IntegrityMonitor } from './integrity.js';
import { acquireDbLock, type DbLock } from './lock.js';
import { SqliteModelStore } from './models-store.js';
import { type Db, openDatabase } from './open.js';
import { SqliteQueryStore } from './query-store.js';
import { SqliteTokenStore } from './token-store.js';

/**
 * The embedded store: one SQLite file (WAL), one connection, statements prepared once. Calls run
 * synchronously inside their async methods, so every method's transaction completes before its
 * promise settles. Model version changes are announced in-process: one collector per file.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly description: string;
  // Repositories are made (and their statements prepared) on first use: a fit worker that reads
  // training rows prepares only those statements.
  private readonly made: {
    tokens?: SqliteTokenStore;
    ingest?: SqliteIngestStore;
    models?: SqliteModelStore;
    queries?: SqliteQueryStore;
    curation?: SqliteCurationStore;
    campaigns?: SqliteCampaignStore;
    fits?: SqliteFitStore;
  } = {};
  private readonly listeners = new Set<(change: ModelVersionChange) => void>();
  private closed = false;

  constructor(
    /** absolute path of the database file */
    readonly locator: string,
    /** the connection, for SQLite-only tools (integrity_check, backups) */
    readonly db: Db,
    readonly integrity: IntegrityMonitor,
    private readonly lock: DbLock | null,
  ) {
    this.description = locator;
  }

  get tokens(): SqliteTokenStore {
    this.made.tokens ??= new SqliteTokenStore(this.db);
    return this.made.tokens;
  }
  get ingest(): SqliteIngestStore {
    this.made.ingest ??= new SqliteIngestStore(this.db);
    return this.made.ingest;
  }
  get models(): SqliteModelStore {
    this.made.models ??= new SqliteModelStore(this.db, (platformId) => this.announce({ platformId }));
    return this.made.models;
  }
  get queries(): SqliteQueryStore {
    this.made.queries ??= new SqliteQueryStore(this.db);
    return this.made.queries;
  }
  get curation(): SqliteCurationStore {
    this.made.curation ??= new SqliteCurationStore(this.db);
    return this.made.curation;
  }
  get campaigns(): SqliteCampaignStore {
    this.made.campaigns ??= new SqliteCampaignStore(this.db);
    return this.made.campaigns;
  }
  get fits(): SqliteFitStore {
    this.made.fits ??= new SqliteFitStore(this.db);
    return this.made.fits;
  }

  onModelVersionChange(listener: (change: ModelVersionChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async health(): Promise<StoreHealth> {
    const started = performance.now();
    try {
      this.db.prepare('SELECT 1').get();
      return {
        store: 'sqlite',
        ok: true,
        detail: `SELECT 1 in ${(performance.now() - started).toFixed(2)} ms`,
      };
    } catch (err) {
      return { store: 'sqlite', ok: false, detail: (err as Error).message };
    }
  }

  registerMetrics(registry: Registry): void {
    const path = this.locator;
    new Gauge({
      name: 'neuralpower_store_file_bytes',
      help: 'Size of the SQLite database file and its write-ahead log.',
      labelNames: ['file'] as const,
      registers: [registry],
      collect() {
        for (const [file, p] of [
          ['db', path],
          ['wal', `${path}-wal`],
        ] as const) {
          try {
            this.set({ file }, statSync(p).size);
          } catch {
            this.set({ file }, 0);
          }
        }
      },
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.integrity.close();
    this.db.close();
    this.lock?.release();
  }

  private announce(change: ModelVersionChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (err) {
        process.stderr.write(
          `${JSON.stringify({ level: 'error', msg: 'model version listener failed', err: String(err) })}\n`,
        );
      }
    }
  }
}

/** Opens (and creates, migrates) a SQLite store; see `OpenStoreOptions` for the SQLite-only options. */
export async function openSqliteStore(locator: string, options: OpenStoreOptions = {}): Promise<SqliteStore> {
  const path = resolve(locator);
  // One collector per file: two would both fit and version the same training set.
  const lock = options.exclusive ? acquireDbLock(path) : null;
  let db: Db;
  try {
    db = openDatabase(path, {
      synchronous: options.synchronous ?? 'full',
      ...(options.readonly !== undefined && { readonly: options.readonly }),
    });
  } catch (err) {
    lock?.release();
    throw new Error(`cannot open the database ${path}: ${(err as Error).message}`);
  }
  const integrity = new IntegrityMonitor();
  if (options.integrityCheck === 'skip') integrity.skip();
  else if (options.integrityCheck) await integrity.start(path, options.integrityCheck.timeoutMs);
  return new SqliteStore(path, db, integrity, lock);
}
