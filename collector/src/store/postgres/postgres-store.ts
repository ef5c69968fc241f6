import type pg from 'pg';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { NoFileIntegrity } from '../integrity.js';
import type { ModelVersionChange } from '../models.js';
import type { OpenStoreOptions, Store, StoreHealth } from '../store.js';
import { PgCampaignStore } from './campaign-store.js';
import { PgCurationStore } from './curation-store.js';
import { PgDb } from './db.js';
import { PgFitStore } from './fits-store.js';
import { PgIngestStore } from './ingest-store.js';
import { migratePostgres } from './migrations.js';
import { PgModelStore } from './models-store.js';
import { VERSION_CHANNEL, VersionListener } from './notify.js';
import { createPool } from './pool.js';
import { PgQueryStore } from './query-store.js';
import { PgTokenStore } from './token-store.js';
import { redactUrl } from './url.js';

const HEALTH_TIMEOUT_MS = 2000;

function log(msg: string, extra: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...extra })}\n`);
}

/**
 * The collector's data in PostgreSQL, shared by any number of replicas: a connection pool,
 * parameterised statements, exactly-once and version numbers carried by the database's
 * constraints and locks, and version changes announced to every replica by LISTEN/NOTIFY.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly description: string;
  readonly tokens: PgTokenStore;
  readonly ingest: PgIngestStore;
  readonly models: PgModelStore;
  readonly queries: PgQueryStore;
  readonly curation: PgCurationStore;
  readonly campaigns: PgCampaignStore;
  readonly fits: PgFitStore;
  readonly integrity = new NoFileIntegrity();
  readonly db: PgDb;
  private readonly listeners = new Set<(change: ModelVersionChange) => void>();
  private readonly queryLatency = new Histogram({
    name: 'neuralpower_store_query_seconds',
    help: 'PostgreSQL statement latency (round trip from this replica), by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [],
  });
  private closed = false;

  constructor(
    readonly locator: string,
    readonly pool: pg.Pool,
    /** null for read-only stores (workers): they keep no cache to invalidate */
    readonly listener: VersionListener | null,
  ) {
    this.description = redactUrl(locator);
    this.db = new PgDb(pool, (seconds, ok) =>
      this.queryLatency.observe({ outcome: ok ? 'ok' : 'error' }, seconds),
    );
    const origin = listener?.origin ?? 'readonly';
    this.tokens = new PgTokenStore(this.db);
    this.ingest = new PgIngestStore(this.db);
    this.models = new PgModelStore(this.db, {
      queue: async (sql, platformId) => {
        await sql.run('SELECT pg_notify($1, $2)', [
          VERSION_CHANNEL,
          listener?.payload(platformId) ?? JSON.stringify({ p: platformId, o: origin }),
        ]);
      },
      committed: (platformId) => this.announce({ platformId }),
    });
    this.queries = new PgQueryStore(this.db);
    this.curation = new PgCurationStore(this.db);
    this.campaigns = new PgCampaignStore(this.db);
    this.fits = new PgFitStore(this.db);
  }

  onModelVersionChange(listener: (change: ModelVersionChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  announce(change: ModelVersionChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (err) {
        log('model version listener failed', { err: String(err) });
      }
    }
  }

  async health(): Promise<StoreHealth> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.pool.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)),
            HEALTH_TIMEOUT_MS,
          );
        }),
      ]);
      const ms = (performance.now() - started).toFixed(2);
      const listening =
        this.listener === null || this.listener.connected ? '' : '; version listener reconnecting';
      return { store: 'postgres', ok: true, detail: `SELECT 1 in ${ms} ms${listening}` };
    } catch (err) {
      return { store: 'postgres', ok: false, detail: `${this.description}: ${(err as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }

  registerMetrics(registry: Registry): void {
    const pool = this.pool;
    registry.registerMetric(this.queryLatency);
    new Gauge({
      name: 'neuralpower_store_pool_connections',
      help: 'PostgreSQL connection pool of this replica: total open, idle, and requests waiting for one.',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
    const listener = this.listener;
    if (listener) {
      new Gauge({
        name: 'neuralpower_store_listener_connected',
        help: 'Whether the LISTEN connection for model version changes is up (1) or reconnecting (0).',
        registers: [registry],
        collect() {
          this.set(listener.connected ? 1 : 0);
        },
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.listener?.stop();
    await this.pool.end();
  }
}

/**
 * Connects, migrates (under the advisory lock) unless read-only, and starts the version listener.
 * Fails with the URL (password hidden) and the server's reason when the database cannot be used.
 */
export async function openPostgresStore(
  locator: string,
  options: OpenStoreOptions = {},
): Promise<PostgresStore> {
  const where = redactUrl(locator);
  const readonly = options.readonly ?? false;
  // Workers (fit, proposal) open a store per job: a couple of connections is all they use.
  const pool = createPool(locator, { max: readonly ? 2 : 10 });
  // An idle connection the server drops emits 'error' on the pool; without a handler it would crash the process.
  pool.on('error', (err) => log('PostgreSQL pool connection lost', { db: where, err: err.message }));
  let listener: VersionListener | null = null;
  try {
    await pool.query('SELECT 1');
    if (!readonly) await migratePostgres(pool);
    let store: PostgresStore | null = null;
    if (!readonly) {
      listener = new VersionListener(
        { connectionString: locator, application_name: 'neuralpower-collector-listener' },
        {
          changed: (platformId) => store?.announce({ platformId }),
          // Notifications sent while the connection was down are lost: anything may have changed.
          resynced: () => store?.announce({ platformId: null }),
          log: (msg) => log(msg, { db: where }),
        },
      );
      await listener.start();
    }
    store = new PostgresStore(locator, pool, listener);
    return store;
  } catch (err) {
    await listener?.stop();
    await pool.end().catch(() => undefined);
    throw new Error(`cannot open the PostgreSQL database ${where}: ${(err as Error).message}`);
  }
}
