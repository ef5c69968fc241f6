import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPostgres } from '../../test/support/postgres.js';
import { migratePostgres, PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../src/store/postgres/migrations.js';
import { createPool } from '../src/store/postgres/pool.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/sqlite/migrations.js';
import { openDatabase } from '../src/store/sqlite/open.js';

let cluster: PgCluster;
const pools: pg.Pool[] = [];
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await cluster?.stop();
});

const urls = new Map<pg.Pool, string>();
async function pool(db: string, url?: string): Promise<pg.Pool> {
  const target = url ?? (await cluster.createDatabase(db));
  const p = createPool(target, { max: 3 });
  pools.push(p);
  urls.set(p, target);
  return p;
}

describe('PostgreSQL migrations', () => {
  it('carry the same versions and names as the SQLite ones', () => {
    expect(PG_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    expect(PG_SCHEMA_VERSION).toBe(SCHEMA_VERSION);
  });

  it('create every SQLite table with the same columns, nullability and primary keys', async () => {
    const p = await pool('same_schema');
    await migratePostgres(p);
    const dir = mkdtempSync(join(tmpdir(), 'np-pg-schema-'));
    const sqlite = openDatabase(join(dir, 'np.db'));
    try {
      const tables = sqlite
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all() as string[];
      for (const table of tables) {
        const lite = (
          sqlite.prepare(`SELECT name, "notnull", pk FROM pragma_table_info(?)`).all(table) as {
            name: string;
            notnull: number;
            pk: number;
          }[]
        )
          .map((c) => `${c.name} ${c.notnull || c.pk ? 'not null' : 'null'}${c.pk ? ' pk' : ''}`)
          .sort();
        const pgColumns = await p.query<{ name: string; nullable: string; pk: boolean }>(
          `SELECT c.column_name AS name, c.is_nullable AS nullable,
             EXISTS (SELECT 1 FROM information_schema.key_column_usage k
               JOIN information_schema.table_constraints t ON t.constraint_name = k.constraint_name
               WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_name = c.table_name AND k.column_name = c.column_name) AS pk
           FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.table_name = $1`,
          [table],
        );
        const pgSide = pgColumns.rows
          .map((c) => `${c.name} ${c.nullable === 'NO' ? 'not null' : 'null'}${c.pk ? ' pk' : ''}`)
          .sort();
        expect(pgSide, table).toEqual(lite);
      }
    } finally {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('carry the unique constraints that make ingest and versions exactly-once', async () => {
    const p = await pool('uniques');
    await migratePostgres(p);
    await p.query(`INSERT INTO platforms VALUES ('p', 'd', '{}', NULL, 'x', 'x')`);
    await p.query(`INSERT INTO batches VALUES ('a', 1, 1, 'x')`);
    await expect(p.query(`INSERT INTO batches VALUES ('a', 1, 1, 'y')`)).rejects.toMatchObject({
      code: '23505',
    });
    const version = `INSERT INTO model_versions (platform_id, model_kind, target, version, created_at, training_rows,
      training_set_hash, report_json, model_json) VALUES ('p', $1, 'runtime', 1, 'x', 1, 'h', '{}', '{}')`;
    await p.query(version, ['conv']);
    await expect(p.query(version, ['fc'])).rejects.toMatchObject({ code: '23505' });
  });

  it('replicas starting together migrate once; a second run applies nothing', async () => {
    const p = await pool('together');
    const others = [await pool('', urls.get(p)), await pool('', urls.get(p))];
    const results = await Promise.all([p, ...others].map((x) => migratePostgres(x)));
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, PG_MIGRATIONS.length]);
    const rows = await p.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
    expect((await migratePostgres(p)).applied).toEqual([]);
  });

  it('refuse a database newer than the code, with the message SQLite gives', async () => {
    const p = await pool('newer');
    await migratePostgres(p);
    await p.query(`INSERT INTO schema_migrations VALUES (99, 'future', 'x')`);
    await expect(migratePostgres(p)).rejects.toThrow(
      `database schema version 99 is newer than this collector's ${PG_SCHEMA_VERSION}; upgrade neuralpower`,
    );
  });

  it('migration 6 marks the revisits stored before it: across processes or within one run', async () => {
    const p = await pool('revisits');
    await p.query(
      `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
    );
    for (const m of PG_MIGRATIONS.filter((m) => m.version <= 5)) {
      await p.query(m.sql);
      await p.query('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [m.version, m.name, 'x']);
    }
    await p.query(`INSERT INTO platforms VALUES ('p', 'd', '{}', NULL, 'x', 'x')`);
    const revisit = (r: object | undefined) => JSON.stringify({ precision: r ? { revisit: r } : {} });
    const rows: [string, number | null][] = [
      [revisit(undefined), null],
      [revisit({ driftRel: 0.1 }), 0.1],
      [revisit({ driftRel: 0.2, acrossProcesses: true }), 0.2],
      [revisit({ driftRel: 0.3, acrossProcesses: false }), 0.3],
    ];
    for (const [i, [json, drift]] of rows.entries()) {
      await p.query(
        `INSERT INTO measurements (platform_id, agent_id, seq, idx, type, natural_key, batch, runtime_mean_ms,
           runtime_median_ms, runtime_std_ms, runtime_n, started_at, ended_at, received_at, record_json, revisit_drift_rel)
         VALUES ('p', 'a', 1, $1, 'layer', 'k', 1, 1, 1, 0, 1, 'x', 'x', 'x', $2, $3)`,
        [i, json, drift],
      );
    }
    expect(await migratePostgres(p)).toMatchObject({ from: 5, to: PG_SCHEMA_VERSION });
    const marked = await p.query('SELECT revisit_across_processes AS a FROM measurements ORDER BY idx');
    expect(marked.rows.map((r) => r.a)).toEqual([null, 0, 1, 0]);
  });

  it('bring an older database up to date (version 1 → current)', async () => {
    const p = await pool('older');
    await p.query(
      `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
    );
    await p.query(PG_MIGRATIONS[0]!.sql);
    await p.query(`INSERT INTO schema_migrations VALUES (1, 'initial schema', 'x')`);
    await p.query(`INSERT INTO tokens (name, hash, created_at) VALUES ('old', 'h', 'x')`);
    const result = await migratePostgres(p);
    expect(result).toMatchObject({ from: 1, to: PG_SCHEMA_VERSION });
    expect((await p.query('SELECT scopes FROM tokens')).rows).toEqual([{ scopes: 'agent,admin' }]);
  });
});
