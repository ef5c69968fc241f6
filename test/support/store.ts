import Database from 'better-sqlite3';
import type { Scope } from '../../collector/src/auth/scopes.js';
import { TokenStore } from '../../collector/src/auth/tokens.js';
import { openStore } from '../../collector/src/store/registry.js';

/** What the collector's SQLite file holds, read straight from the file (no collector involved). */
export interface StoreReport {
  /** `PRAGMA integrity_check`: 'ok' or the problems */
  readonly integrity: string;
  readonly measurements: number;
  readonly distinctKeys: number;
  /** rows beyond the first for an (agent, natural key): a record stored twice */
  readonly duplicateKeys: number;
  /** rows beyond the first for an (agent, seq, idx): a batch slot stored twice */
  readonly duplicateSlots: number;
  readonly batches: number;
  /** Σ batches.records; equals `measurements` when every batch is whole */
  readonly batchRecordSum: number;
  readonly agents: readonly string[];
  readonly perAgent: ReadonlyMap<string, number>;
}

function open(dbPath: string): Database.Database {
  // Read-write handle (only reads are issued): after a SIGKILL the first opener replays the WAL.
  const db = new Database(dbPath, { fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  return db;
}

export function inspectStore(dbPath: string): StoreReport {
  const db = open(dbPath);
  try {
    const one = (sql: string) => db.prepare(sql).pluck().get() as number;
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
    const perAgent = new Map(
      (
        db.prepare('SELECT agent_id AS a, COUNT(*) AS n FROM measurements GROUP BY agent_id').all() as {
          a: string;
          n: number;
        }[]
      ).map((r) => [r.a, r.n]),
    );
    return {
      integrity,
      measurements: one('SELECT COUNT(*) FROM measurements'),
      distinctKeys: one('SELECT COUNT(DISTINCT natural_key) FROM measurements'),
      duplicateKeys: one(
        'SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM measurements GROUP BY agent_id, natural_key)',
      ),
      duplicateSlots: one(
        'SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM measurements GROUP BY agent_id, seq, idx)',
      ),
      batches: one('SELECT COUNT(*) FROM batches'),
      batchRecordSum: one('SELECT COALESCE(SUM(records), 0) FROM batches'),
      agents: db.prepare('SELECT id FROM agents ORDER BY id').pluck().all() as string[],
      perAgent,
    };
  } finally {
    db.close();
  }
}

/** natural key → runtime mean of every stored measurement (several entries per key are kept apart). */
export function storedRuntimeByKey(dbPath: string): Map<string, number[]> {
  const db = open(dbPath);
  try {
    const out = new Map<string, number[]>();
    const rows = db.prepare('SELECT natural_key AS k, runtime_mean_ms AS ms FROM measurements').all() as {
      k: string;
      ms: number;
    }[];
    for (const r of rows) out.set(r.k, [...(out.get(r.k) ?? []), r.ms]);
    return out;
  } finally {
    db.close();
  }
}

/** Creates the database (schema included) if needed and a token in it; returns the secret. */
export async function createToken(
  dbPath: string,
  name: string,
  scopes: readonly Scope[] = ['agent'],
): Promise<string> {
  const store = await openStore(dbPath);
  try {
    return (await new TokenStore(store.tokens).create(name, scopes)).token;
  } finally {
    await store.close();
  }
}

export async function revokeToken(dbPath: string, name: string): Promise<number> {
  const store = await openStore(dbPath);
  try {
    return await new TokenStore(store.tokens).revoke(name);
  } finally {
    await store.close();
  }
}
