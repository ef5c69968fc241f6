import Database from 'better-sqlite3';
import type pg from 'pg';
import { migratePostgres, PG_SCHEMA_VERSION } from './migrations.js';

/**
 * `collector migrate-store`: copies a SQLite collector's database into PostgreSQL.
 *
 * - Rows keep their primary keys (ids included), so every reference (agent → token, measurement →
 *   platform, item → campaign) stays valid, and a rerun recognises what it copied: each row is
 *   inserted once; a rerun inserts nothing twice and only brings the state columns up to date.
 * - A key the target already holds with different data (another collector wrote there) is never
 *   overwritten: the whole copy is refused, naming the table, key and column.
 * - All of it is one PostgreSQL transaction (under an advisory lock, so two runs cannot interleave):
 *   a failure leaves the target as it was. The source is read in one SQLite read transaction, a
 *   consistent snapshot even while a collector still writes to it.
 * - Counts per table are compared before the commit.
 */

type Row = Record<string, unknown>;

interface TableSpec {
  readonly name: string;
  /**
   * Columns an existing collector changes in place (state, timestamps of use). A rerun copies
   * their newer values; every other column is the row's identity and must match.
   */
  readonly state: readonly string[];
}

/** In foreign-key order. `schema_migrations` is not copied: the target has its own. */
export const COPIED_TABLES: readonly TableSpec[] = [
  { name: 'tokens', state: ['revoked_at', 'last_used_at'] },
  { name: 'platforms', state: ['description', 'details_json', 'last_seen_at'] },
  {
    name: 'agents',
    state: ['host', 'agent_version', 'token_id', 'platforms_json', 'last_seen_at', 'last_seq'],
  },
  { name: 'batches', state: [] },
  { name: 'measurements', state: ['excluded_at'] },
  { name: 'model_versions', state: [] },
  { name: 'current_models', state: ['version', 'updated_at'] },
  { name: 'pointer_moves', state: [] },
  { name: 'fit_state', state: ['measurements_at_fit', 'fitted_at'] },
  { name: 'measurement_audit', state: [] },
  { name: 'campaigns', state: ['state', 'reason', 'errors_json', 'updated_at'] },
  { name: 'campaign_items', state: ['priority', 'state', 'lease_id', 'leased_until_ms', 'measured_at'] },
  { name: 'campaign_leases', state: ['expires_at_ms'] },
];

const PAGE_ROWS = 2000;
/** Transaction advisory lock: one migrate-store into a database at a time. */
const IMPORT_LOCK = 0x6e70_0003;

export interface TableResult {
  readonly table: string;
  readonly source: number;
  /** rows this run inserted */
  readonly inserted: number;
  /** rows already there whose state columns this run updated */
  readonly updated: number;
  /** rows already there, identical */
  readonly unchanged: number;
  readonly target: number;
}

export class ImportConflictError extends Error {
  override readonly name = 'ImportConflictError';
}

interface Column {
  readonly name: string;
  /** PostgreSQL array element type for unnest */
  readonly type: string;
}

/** Opens the SQLite file read-only and checks its schema is the one this code copies. */
function openSource(path: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`cannot open the SQLite database ${path}: ${(err as Error).message}`);
  }
  db.pragma('busy_timeout = 5000');
  let version: number | null;
  try {
    version = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v;
  } catch {
    db.close();
    throw new Error(`${path} is not a neuralpower collector database (it has no schema_migrations table)`);
  }
  if (version !== PG_SCHEMA_VERSION) {
    db.close();
    throw new Error(
      version !== null && version > PG_SCHEMA_VERSION
        ? `${path} has schema version ${version}, newer than this neuralpower's ${PG_SCHEMA_VERSION}; upgrade neuralpower`
        : `${path} has schema version ${version ?? 0}; this neuralpower copies version ${PG_SCHEMA_VERSION}: ` +
            'start this version of the collector on it once (it migrates the file), stop it, then copy',
    );
  }
  return db;
}

async function targetColumns(
  client: pg.PoolClient,
  table: string,
): Promise<{ columns: Column[]; key: string[] }> {
  const columns = await client.query<{ name: string; type: string }>(
    `SELECT column_name AS name, udt_name AS type FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  const key = await client.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
     WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    [table],
  );
  return { columns: columns.rows, key: key.rows.map((r) => r.name) };
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Copies every table of `sqlitePath` into the PostgreSQL database behind `pool` (migrated first).
 * Resolves to per-table counts; rejects with ImportConflictError when the target holds other data
 * under the same keys, or when the counts do not match after the copy (nothing is committed then).
 */
export async function importSqlite(sqlitePath: string, pool: pg.Pool): Promise<TableResult[]> {
  const source = openSource(sqlitePath);
  try {
    await migratePostgres(pool);
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      source.exec('BEGIN'); // one read snapshot of the source for the whole copy
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
        const results: TableResult[] = [];
        for (const spec of COPIED_TABLES) results.push(await copyTable(source, client, spec));
        const off = results.filter((r) => r.source !== r.target);
        if (off.length > 0) {
          throw new ImportConflictError(
            `the counts differ after the copy (${off.map((r) => `${r.table}: ${r.source} in SQLite, ${r.target} in PostgreSQL`).join('; ')}): ` +
              'the target holds rows the source does not (written there by a collector, or deleted from the source since an earlier copy); nothing was committed',
          );
        }
        await client.query('COMMIT');
        return results;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        source.exec('COMMIT');
      }
    } finally {
      client.release(broken);
    }
  } finally {
    source.close();
  }
}

async function copyTable(
  source: Database.Database,
  client: pg.PoolClient,
  spec: TableSpec,
): Promise<TableResult> {
  const { columns, key } = await targetColumns(client, spec.name);
  const sourceColumns = (
    source.prepare(`SELECT name FROM pragma_table_info(?)`).all(spec.name) as { name: string }[]
  )
    .map((c) => c.name)
    .sort();
  const targetNames = columns.map((c) => c.name);
  if (sourceColumns.join() !== [...targetNames].sort().join()) {
    throw new Error(
      `table ${spec.name} has columns ${sourceColumns.join(', ')} in SQLite but ${targetNames.join(', ')} in PostgreSQL`,
    );
  }
  const identity = targetNames.filter((c) => !spec.state.includes(c) && !key.includes(c));
  const total = (source.prepare(`SELECT COUNT(*) AS n FROM ${quote(spec.name)}`).get() as { n: number }).n;
  const keyList = key.map(quote).join(', ');
  const firstPage = source.prepare(
    `SELECT * FROM ${quote(spec.name)} ORDER BY ${keyList} LIMIT ${PAGE_ROWS}`,
  );
  const nextPage = source.prepare(
    `SELECT * FROM ${quote(spec.name)} WHERE (${keyList}) > (${key.map(() => '?').join(', ')})
     ORDER BY ${keyList} LIMIT ${PAGE_ROWS}`,
  );
  const unnest = (cols: readonly Column[], from: number) =>
    `unnest(${cols.map((c, i) => `$${from + i}::${c.type}[]`).join(', ')}) AS s(${cols.map((c) => quote(c.name)).join(', ')})`;
  const keyColumns = key.map((k) => columns.find((c) => c.name === k)!);
  const existingSql = `SELECT t.* FROM ${quote(spec.name)} t JOIN ${unnest(keyColumns, 1)}
    ON ${key.map((k) => `t.${quote(k)} = s.${quote(k)}`).join(' AND ')}`;
  const setState =
    spec.state.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${spec.state.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}
         WHERE (${spec.state.map((c) => `t.${quote(c)}`).join(', ')}) IS DISTINCT FROM (${spec.state.map((c) => `excluded.${quote(c)}`).join(', ')})`;
  const insertSql = `INSERT INTO ${quote(spec.name)} AS t (${targetNames.map(quote).join(', ')})
    SELECT * FROM ${unnest(columns, 1)}
    ON CONFLICT (${keyList}) ${setState}
    RETURNING (xmax = 0) AS inserted`;
  const keyOf = (row: Row) => JSON.stringify(key.map((k) => row[k]));

  let inserted = 0;
  let updated = 0;
  let page = firstPage.all() as Row[];
  while (page.length > 0) {
    const existing = await client.query<Row>(
      existingSql,
      keyColumns.map((c) => page.map((r) => r[c.name])),
    );
    const byKey = new Map(existing.rows.map((r) => [keyOf(r), r]));
    for (const row of page) {
      const there = byKey.get(keyOf(row));
      if (!there) continue;
      const differs = identity.find((c) => !sameValue(row[c], there[c]));
      if (differs !== undefined) {
        throw new ImportConflictError(
          `the target already has ${spec.name} ${key.map((k) => `${k}=${JSON.stringify(row[k])}`).join(' ')} with other data ` +
            `(${differs}: ${JSON.stringify(there[differs])} there, ${JSON.stringify(row[differs])} in the SQLite file); ` +
            'refusing to overwrite it: copy into an empty database (or the one an earlier copy of this file made)',
        );
      }
    }
    const written = await client.query<{ inserted: boolean }>(
      insertSql,
      columns.map((c) => page.map((r) => r[c.name] ?? null)),
    );
    for (const w of written.rows) {
      if (w.inserted) inserted++;
      else updated++;
    }
    const last = page[page.length - 1]!;
    page = nextPage.all(...key.map((k) => last[k])) as Row[];
  }
  // Serial ids continue after the copied ones.
  if (key.length === 1 && columns.find((c) => c.name === key[0])?.type === 'int8') {
    await client.query(
      `SELECT setval(seq, COALESCE((SELECT MAX(${quote(key[0]!)}) FROM ${quote(spec.name)}), 0) + 1, false)
       FROM pg_get_serial_sequence($1, $2) AS seq WHERE seq IS NOT NULL`,
      [spec.name, key[0]],
    );
  }
  const target = (await client.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quote(spec.name)}`)).rows[0]!
    .n;
  return {
    table: spec.name,
    source: total,
    inserted,
    updated,
    unchanged: total - inserted - updated,
    target,
  };
}

/** SQLite and PostgreSQL hand back the same JS values for equal data (numbers, strings, null). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  return String(a) === String(b);
}
