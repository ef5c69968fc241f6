/**
 * `collector migrate-store`: real SQLite files written through the SQLite store, copied into a real
 * PostgreSQL server, then read back through the PostgreSQL store — both stores must answer alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPostgres } from '../../test/support/postgres.js';
import { spawnCli } from '../../test/support/processes.js';
import { hello, platform, syntheticRecord } from '../../test/support/records.js';
import { campaignCreateSchema, resolveOptions } from '../src/campaigns/options.js';
import { planCampaign } from '../src/campaigns/plan.js';
import type { NewModelVersion } from '../src/store/models.js';
import { COPIED_TABLES, ImportConflictError, importSqlite } from '../src/store/postgres/import-sqlite.js';
import { createPool } from '../src/store/postgres/pool.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';

let cluster: PgCluster;
const dir = mkdtempSync(join(tmpdir(), 'np-migrate-store-'));
const pools: pg.Pool[] = [];
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function target(name: string): Promise<{ url: string; pool: pg.Pool }> {
  const url = await cluster.createDatabase(name);
  const pool = createPool(url, { max: 2 });
  pools.push(pool);
  return { url, pool };
}

function version(kind: string, target: 'runtime' | 'power', n: number): NewModelVersion {
  return {
    platformId: platform.id,
    kind,
    target,
    trainingRows: n,
    trainingSetHash: `h-${kind}-${target}-${n}`,
    report: { rmspe: 0.1 * n, rmse: 0.2, mape: 0.05 },
    modelJson: JSON.stringify({ kind, target, n }),
  };
}

/** A collector's life in a SQLite file: every table gets rows. */
async function populate(store: SqliteStore, agent: number, batches: number): Promise<void> {
  const now = new Date().toISOString();
  const tokenId = await store.tokens.insert({
    name: `agent-${agent}`,
    hash: `hash-${agent}`,
    scopes: 'agent',
    createdAt: now,
  });
  await store.tokens.insert({
    name: `admin-${agent}`,
    hash: `hash-admin-${agent}`,
    scopes: 'admin',
    createdAt: now,
  });
  await store.ingest.registerAgent(hello(`agent-${agent}`), tokenId);
  for (let seq = 0; seq < batches; seq++) {
    await store.ingest.writeBatches([
      {
        agentId: `agent-${agent}`,
        seq,
        records: [
          syntheticRecord(agent, seq * 3),
          syntheticRecord(agent, seq * 3 + 1),
          syntheticRecord(agent, seq * 3 + 2),
        ],
      },
    ]);
  }
  await store.models.addVersions([version('fc', 'runtime', 1), version('fc', 'power', 1)], 'fit: test');
  await store.models.recordFit({
    platformId: platform.id,
    kind: 'fc',
    measurementsAtFit: batches * 3,
    versions: [version('fc', 'runtime', 2), version('fc', 'power', 2)],
    reason: 'fit: every 200',
  });
  await store.models.rollback(platform.id, 'fc', 'power');
  await store.curation.apply(
    'exclude',
    { platformId: platform.id, agentId: `agent-${agent}`, before: '2026-01-01T00:00:02.000Z' },
    { tokenId, tokenName: `admin-${agent}` },
    'warm-up',
  );
  const options = resolveOptions(
    campaignCreateSchema.parse({ platform: platform.id, kinds: ['fc'], targetRmspe: 0.1, budget: 12 }),
  );
  await store.campaigns.create(`campaign-${agent}`, platform.id, options, planCampaign(platform.id, options));
  await store.campaigns.lease(`campaign-${agent}`, {
    agentId: `agent-${agent}`,
    requestId: 'r1',
    max: 3,
    budget: 12,
    ttlMs: 600_000,
    nowMs: Date.now(),
  });
}

/** What the API would serve from a store: equal for the SQLite source and its PostgreSQL copy. */
async function served(store: Store, agent: number) {
  const campaign = `campaign-${agent}`;
  const nowMs = Date.UTC(2026, 5, 1);
  return {
    platforms: await store.queries.platforms(),
    platform: await store.queries.platform(platform.id),
    keys: await store.queries.keys(platform.id),
    export: await store.queries.exportPage({}, 0, 10_000),
    total: await store.queries.totalMeasurements(),
    versions: await store.models.list(platform.id),
    current: await store.models.current(platform.id),
    tokens: await store.tokens.list(),
    audit: await store.curation.audit(null),
    campaigns: await store.campaigns.ids(),
    campaign: await store.campaigns.detail(campaign, nowMs),
    lastSeq: await store.ingest.lastSeq(`agent-${agent}`),
    fitStates: await store.fits.fitStates(),
    training: await store.fits.trainingRows(platform.id, 'fc'),
  };
}

describe('collector migrate-store (SQLite → PostgreSQL)', () => {
  it('copies every table, keys kept; the PostgreSQL store then serves exactly what the SQLite one did', async () => {
    const file = join(dir, 'copy.db');
    const sqlite = await openSqliteStore(file);
    await populate(sqlite, 1, 8);
    const { url, pool } = await target('copy');
    const results = await importSqlite(file, pool);
    expect(results.map((r) => r.table)).toEqual(COPIED_TABLES.map((t) => t.name));
    for (const r of results) {
      expect(r.target, r.table).toBe(r.source);
      expect(r.inserted, r.table).toBe(r.source);
    }
    expect(results.find((r) => r.table === 'measurements')!.source).toBe(24);
    expect(results.every((r) => r.source > 0)).toBe(true);

    const pgStore = await openPostgresStore(url);
    try {
      expect(await served(pgStore, 1)).toEqual(await served(sqlite, 1));
      // New rows get new ids after the copied ones: the sequences were moved on.
      await pgStore.ingest.registerAgent(hello('agent-1'), 1);
      const next = await pgStore.ingest.writeBatches([
        { agentId: 'agent-1', seq: 8, records: [syntheticRecord(1, 900)] },
      ]);
      expect(next.outcomes).toEqual([{ status: 'stored', stored: 1 }]);
      const ids = (await pgStore.queries.exportPage({}, 0, 100)).map((r) => r.id);
      expect(ids.at(-1)).toBe(25);
      expect(await pgStore.models.addVersions([version('fc', 'runtime', 3)], 'fit')).toMatchObject([
        { version: 5 },
      ]);
      // A batch the copy carried is still a duplicate.
      const again = await pgStore.ingest.writeBatches([
        { agentId: 'agent-1', seq: 3, records: [syntheticRecord(1, 9)] },
      ]);
      expect(again.outcomes).toEqual([{ status: 'duplicate' }]);
    } finally {
      await pgStore.close();
      await sqlite.close();
    }
  });

  it('is safe to rerun: nothing twice, only what is new or changed since', async () => {
    const file = join(dir, 'rerun.db');
    const sqlite = await openSqliteStore(file);
    await populate(sqlite, 2, 5);
    const { url, pool } = await target('rerun');
    await importSqlite(file, pool);
    const second = await importSqlite(file, pool);
    for (const r of second) {
      expect([r.table, r.inserted, r.updated, r.target]).toEqual([r.table, 0, 0, r.source]);
    }
    // The SQLite collector kept running for a while before the switch.
    await sqlite.ingest.writeBatches([
      { agentId: 'agent-2', seq: 5, records: [syntheticRecord(2, 500), syntheticRecord(2, 501)] },
    ]);
    await sqlite.tokens.revoke('admin-2', new Date().toISOString());
    await sqlite.campaigns.setState('campaign-2', 'stopped', 'switching stores');
    const third = await importSqlite(file, pool);
    const by = Object.fromEntries(third.map((r) => [r.table, r]));
    expect(by['measurements']).toMatchObject({ inserted: 2, updated: 0 });
    expect(by['batches']).toMatchObject({ inserted: 1, updated: 0 });
    expect(by['tokens']).toMatchObject({ inserted: 0, updated: 1 });
    expect(by['campaigns']).toMatchObject({ inserted: 0, updated: 1 });
    expect(by['agents']).toMatchObject({ inserted: 0, updated: 1 }); // last_seq, last_seen_at
    const pgStore = await openPostgresStore(url);
    try {
      expect(await served(pgStore, 2)).toEqual(await served(sqlite, 2));
    } finally {
      await pgStore.close();
      await sqlite.close();
    }
  });

  it('refuses a target holding other data under the same keys, and leaves it as it was', async () => {
    const first = join(dir, 'first.db');
    const other = join(dir, 'other.db');
    const a = await openSqliteStore(first);
    const b = await openSqliteStore(other);
    await populate(a, 3, 4);
    await populate(b, 4, 4);
    await a.close();
    await b.close();
    const { pool } = await target('conflict');
    const before = await importSqlite(first, pool);
    const failure = importSqlite(other, pool);
    await expect(failure).rejects.toBeInstanceOf(ImportConflictError);
    await expect(failure).rejects.toThrow(
      /the target already has tokens id=1 with other data \(name: "agent-3" there, "agent-4" in the SQLite file\); refusing to overwrite/,
    );
    const after = await importSqlite(first, pool);
    expect(after.map((r) => [r.table, r.target])).toEqual(before.map((r) => [r.table, r.target]));
  });

  it('reports rows the target has and the source has not, and commits nothing', async () => {
    const file = join(dir, 'extra.db');
    const sqlite = await openSqliteStore(file);
    await populate(sqlite, 5, 2);
    await sqlite.close();
    const { url, pool } = await target('extra');
    await importSqlite(file, pool);
    const pgStore = await openPostgresStore(url);
    await pgStore.ingest.writeBatches([{ agentId: 'agent-5', seq: 2, records: [syntheticRecord(5, 77)] }]);
    await pgStore.close();
    await expect(importSqlite(file, pool)).rejects.toThrow(
      /the counts differ after the copy \(batches: 2 in SQLite, 3 in PostgreSQL; measurements: 6 in SQLite, 7 in PostgreSQL\)/,
    );
  });

  it('names the problem with a source it cannot copy', async () => {
    const { pool } = await target('bad_sources');
    await expect(importSqlite(join(dir, 'missing.db'), pool)).rejects.toThrow(
      /cannot open the SQLite database .*missing\.db/,
    );
    const plain = join(dir, 'plain.db');
    new Database(plain).exec('CREATE TABLE t (x)');
    await expect(importSqlite(plain, pool)).rejects.toThrow(
      /plain\.db is not a neuralpower collector database/,
    );
    const old = join(dir, 'old.db');
    const oldDb = new Database(old);
    oldDb.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT);
      INSERT INTO schema_migrations VALUES (1, 'initial schema', 'x');`);
    oldDb.close();
    await expect(importSqlite(old, pool)).rejects.toThrow(
      /old\.db has schema version 1; .*start this version of the collector on it once/,
    );
  });
});

describe('neuralpower collector migrate-store (the command)', () => {
  it('copies, prints the counts per table, reruns cleanly, and exits non-zero with the reason on a conflict', async () => {
    const file = join(dir, 'cli.db');
    const other = join(dir, 'cli-other.db');
    for (const [path, agent] of [
      [file, 6],
      [other, 7],
    ] as const) {
      const store = await openSqliteStore(path);
      await populate(store, agent, 3);
      await store.close();
    }
    // Trust authentication ignores the password: it is there to show it is never printed.
    const url = (await cluster.createDatabase('cli')).replace('postgres@', 'postgres:pa55word@');
    const run = async (from: string, json = false) => {
      const proc = spawnCli([
        'collector',
        'migrate-store',
        '--from',
        from,
        '--to',
        url,
        ...(json ? ['--json'] : []),
      ]);
      return { exit: await proc.exited, proc };
    };
    const first = await run(file);
    expect(first.exit.code, first.proc.stderr).toBe(0);
    expect(first.proc.stdout).toMatch(/^table\s+sqlite\s+inserted\s+updated\s+unchanged\s+postgres$/m);
    expect(first.proc.stdout).toMatch(/^measurements\s+9\s+9\s+0\s+0\s+9$/m);
    expect(first.proc.stderr).toMatch(/every table's count matches/);
    expect(first.proc.stderr).toContain('postgres://postgres:***@127.0.0.1');
    expect(first.proc.stdout + first.proc.stderr).not.toContain('pa55word');
    const again = await run(file, true);
    expect(again.exit.code, again.proc.stderr).toBe(0);
    const report = JSON.parse(again.proc.stdout) as { tables: { table: string; inserted: number }[] };
    expect(report.tables.every((t) => t.inserted === 0)).toBe(true);
    const conflict = await run(other);
    expect(conflict.exit.code).not.toBe(0);
    expect(conflict.proc.stderr).toMatch(/the target already has tokens id=1 with other data/);
  }, 180_000);
});
