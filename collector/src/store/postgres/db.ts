import { createHash } from 'node:crypto';
import type pg from 'pg';

/** Something SQL runs on: the pool (one statement, autocommit) or a transaction's client. */
export interface Sql {
  rows<R extends object>(text: string, values?: readonly unknown[]): Promise<R[]>;
  /** The first row, or null. */
  one<R extends object>(text: string, values?: readonly unknown[]): Promise<R | null>;
  /** Runs a statement; resolves to the rows it changed. */
  run(text: string, values?: readonly unknown[]): Promise<number>;
}

export type LatencyObserver = (seconds: number, ok: boolean) => void;

/**
 * Every statement is parameterised and, through a name derived from its text, prepared once per
 * connection by the server (node-postgres sends Parse only the first time a connection sees the
 * name). SQL text never contains values: they travel as parameters.
 */
function statementName(text: string): string {
  return `np_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
}

async function timed<T>(observe: LatencyObserver, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const out = await run();
    observe((performance.now() - started) / 1000, true);
    return out;
  } catch (err) {
    observe((performance.now() - started) / 1000, false);
    throw err;
  }
}

class SqlOn implements Sql {
  constructor(
    private readonly target: pg.Pool | pg.PoolClient,
    private readonly observe: LatencyObserver,
  ) {}

  private exec<R extends object>(text: string, values: readonly unknown[]): Promise<pg.QueryResult<R>> {
    return timed(this.observe, () =>
      this.target.query<R>({ name: statementName(text), text, values: values as unknown[] }),
    );
  }

  async rows<R extends object>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await this.exec<R>(text, values)).rows;
  }

  async one<R extends object>(text: string, values: readonly unknown[] = []): Promise<R | null> {
    return (await this.exec<R>(text, values)).rows[0] ?? null;
  }

  async run(text: string, values: readonly unknown[] = []): Promise<number> {
    return (await this.exec(text, values)).rowCount ?? 0;
  }
}

/** Deadlock and serialisation failures: the transaction did nothing and can simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 4;

export class PgDb implements Sql {
  private readonly direct: SqlOn;

  constructor(
    readonly pool: pg.Pool,
    private readonly observe: LatencyObserver,
  ) {
    this.direct = new SqlOn(pool, observe);
  }

  rows<R extends object>(text: string, values?: readonly unknown[]): Promise<R[]> {
    return this.direct.rows<R>(text, values);
  }

  one<R extends object>(text: string, values?: readonly unknown[]): Promise<R | null> {
    return this.direct.one<R>(text, values);
  }

  run(text: string, values?: readonly unknown[]): Promise<number> {
    return this.direct.run(text, values);
  }

  /**
   * Runs `fn` in one READ COMMITTED transaction on one connection. A deadlock or serialisation
   * failure (another replica touched the same rows in the other order) rolls back and runs `fn`
   * again, up to 4 times: `fn` must only talk to the database through the `Sql` it is given.
   */
  async tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      const sql = new SqlOn(client, this.observe);
      let broken = false;
      try {
        await client.query('BEGIN');
        const out = await fn(sql);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
        throw err;
      } finally {
        client.release(broken);
      }
    }
  }

  /**
   * Runs `fn` while this session holds advisory lock (k1, k2) on a connection of its own; waits
   * for another holder (another replica) to let go. A connection whose unlock failed is dropped,
   * which releases the lock in the server.
   */
  async withSessionLock<T>(k1: number, k2: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await timed(this.observe, () => client.query('SELECT pg_advisory_lock($1, hashtext($2))', [k1, k2]));
    } catch (err) {
      client.release(true);
      throw err;
    }
    try {
      return await fn();
    } finally {
      let broken = false;
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [k1, k2]).catch(() => {
        broken = true;
      });
      client.release(broken);
    }
  }
}
