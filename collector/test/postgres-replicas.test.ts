/**
 * What only a shared database has to get right: several stores ("replicas") on one PostgreSQL
 * database at once. The behaviour every store shares is in store-contract-postgres.test.ts.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@neuralpower/protocol';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPostgres } from '../../test/support/postgres.js';
import { hello, platform, syntheticRecord } from '../../test/support/records.js';
import { campaignCreateSchema, resolveOptions } from '../src/campaigns/options.js';
import { planCampaign } from '../src/campaigns/plan.js';
import type { NewModelVersion } from '../src/store/models.js';
import { openPostgresStore, type PostgresStore } from '../src/store/postgres/postgres-store.js';
import { openStore } from '../src/store/registry.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';

let cluster: PgCluster;
let dbCount = 0;
const opened: PostgresStore[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await cluster?.stop();
});

/** `n` stores on one fresh database, as `n` replicas would open it. */
async function replicas(n: number): Promise<{ url: string; stores: PostgresStore[] }> {
  const url = await cluster.createDatabase(`replicas_${++dbCount}`);
  const stores = await Promise.all(Array.from({ length: n }, () => openPostgresStore(url)));
  opened.push(...stores);
  return { url, stores };
}

function version(kind: string, target: 'runtime' | 'power', n: number): NewModelVersion {
  return {
    platformId: platform.id,
    kind,
    target,
    trainingRows: n,
    trainingSetHash: `hash-${kind}-${target}-${n}`,
    report: { rmspe: 0.1, rmse: 0.2, mape: 0.05 },
    modelJson: JSON.stringify({ format: 'test', kind, target, n }),
  };
}

async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('PostgreSQL store: several replicas on one database', () => {
  it('is what the registry opens for postgres:// and postgresql:// URLs', async () => {
    const { url } = await replicas(0);
    for (const locator of [url, url.replace(/^postgres:/, 'postgresql:')]) {
      const store = await openStore(locator);
      try {
        expect(store.kind).toBe('postgres');
        expect(await store.health()).toMatchObject({ store: 'postgres', ok: true });
      } finally {
        await store.close();
      }
    }
  });

  it('stores a batch sent to two replicas at once exactly once, and says duplicate to the other', async () => {
    const { stores } = await replicas(2);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    await a.ingest.registerAgent(hello('agent-x'), null);
    for (let seq = 0; seq < 20; seq++) {
      const batch = {
        agentId: 'agent-x',
        seq,
        records: [syntheticRecord(1, seq * 2), syntheticRecord(1, seq * 2 + 1)],
      };
      const [ra, rb] = await Promise.all([a.ingest.writeBatches([batch]), b.ingest.writeBatches([batch])]);
      const statuses = [ra.outcomes[0]!.status, rb.outcomes[0]!.status].sort();
      expect(statuses, `seq ${seq}`).toEqual(['duplicate', 'stored']);
    }
    expect(await a.queries.totalMeasurements()).toBe(40);
    expect(await b.ingest.lastSeq('agent-x')).toBe(19);
    const keys = await b.queries.keys(platform.id);
    expect(new Set(keys).size).toBe(40);
  });

  it('a resend of an unacked batch to another replica, in a group with other agents, is stored once', async () => {
    const { stores } = await replicas(2);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    for (const id of ['agent-1', 'agent-2', 'agent-3']) await a.ingest.registerAgent(hello(id), null);
    const batch = (agent: number, seq: number) => ({
      agentId: `agent-${agent}`,
      seq,
      records: [syntheticRecord(agent, seq)],
    });
    // Replica a commits agent-1 seq 0 but "dies" before acking; agent-1 resends to b in b's next group.
    await a.ingest.writeBatches([batch(1, 0), batch(2, 0)]);
    const group = await b.ingest.writeBatches([batch(3, 0), batch(1, 0), batch(1, 1)]);
    expect(group.outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate', 'stored']);
    expect([...group.counts.values()].reduce((n, c) => n + c.added, 0)).toBe(2);
    expect(await a.queries.totalMeasurements()).toBe(4);
    // Opposite orders on two replicas at once: no deadlock surfaces, every batch once.
    const left = [batch(2, 1), batch(3, 1)];
    const right = [batch(3, 1), batch(2, 1)];
    const [l, r] = await Promise.all([a.ingest.writeBatches(left), b.ingest.writeBatches(right)]);
    const stored = [...l.outcomes, ...r.outcomes].filter((o) => o.status === 'stored').length;
    expect(stored).toBe(2);
    expect(await b.queries.totalMeasurements()).toBe(6);
  });

  it('decides a group of batches as SQLite does (several of one agent, repeats, seqs going back)', async () => {
    const { stores } = await replicas(1);
    const dir = mkdtempSync(join(tmpdir(), 'np-pg-group-'));
    const sqlite = await openSqliteStore(join(dir, 'group.db'));
    try {
      const b = (agent: number, seq: number, i = seq) => ({
        agentId: `agent-${agent}`,
        seq,
        records: [syntheticRecord(agent, i)],
      });
      const groups = [
        [b(1, 5), b(2, 0), b(1, 3), b(1, 6), b(1, 6, 60), b(2, 1)],
        [b(1, 6), b(1, 7), b(2, 0), b(3, 0), b(1, 4), b(3, 0, 9)],
      ];
      for (const store of [stores[0]!, sqlite])
        for (const id of [1, 2, 3]) await store.ingest.registerAgent(hello(`agent-${id}`), null);
      for (const group of groups) {
        const [onPg, onSqlite] = await Promise.all([
          stores[0]!.ingest.writeBatches(group),
          sqlite.ingest.writeBatches(group),
        ]);
        expect(onPg.outcomes).toEqual(onSqlite.outcomes);
        expect([...onPg.counts.entries()]).toEqual([...onSqlite.counts.entries()]);
      }
      expect(await stores[0]!.ingest.lastSeq('agent-1')).toBe(await sqlite.ingest.lastSeq('agent-1'));
      expect(await stores[0]!.queries.totalMeasurements()).toBe(await sqlite.queries.totalMeasurements());
    } finally {
      await sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('allocates strictly increasing version numbers when replicas fit at once', async () => {
    const { stores } = await replicas(3);
    await stores[0]!.ingest.registerAgent(hello('agent-v'), null);
    const kinds = ['conv', 'fc', 'pool', 'dwconv'];
    const results = await Promise.all(
      kinds.flatMap((kind, k) =>
        stores.map((s, i) =>
          s.models.addVersions([version(kind, 'runtime', i), version(kind, 'power', i)], `fit ${k}`),
        ),
      ),
    );
    const numbers = results.flat().map((v) => v.version);
    expect(numbers).toHaveLength(kinds.length * stores.length * 2);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect([...numbers].sort((x, y) => x - y)).toEqual(
      Array.from({ length: numbers.length }, (_, i) => i + 1),
    );
    // Within one call the numbers are consecutive; every parent is an older version of the same kind.
    for (const pair of results) expect(pair[1]!.version).toBe(pair[0]!.version + 1);
    for (const v of results.flat())
      if (v.parentVersion !== null) expect(v.parentVersion).toBeLessThan(v.version);
    // Every replica serves the same current versions.
    const pointers = await Promise.all(stores.map((s) => s.models.currentPointers(platform.id)));
    expect(pointers[1]).toEqual(pointers[0]);
    expect(pointers[2]).toEqual(pointers[0]);
  });

  it('tells every replica about a new version and a rollback made on another one', async () => {
    const { stores } = await replicas(2);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    await a.ingest.registerAgent(hello('agent-n'), null);
    const seenA: (string | null)[] = [];
    const seenB: (string | null)[] = [];
    a.onModelVersionChange((c) => seenA.push(c.platformId));
    b.onModelVersionChange((c) => seenB.push(c.platformId));
    await a.models.addVersions([version('conv', 'runtime', 1)], 'fit: test');
    await a.models.addVersions([version('conv', 'runtime', 2)], 'fit: test');
    // The writer's own listeners hear of it once, at once; the other replica through NOTIFY.
    expect(seenA).toEqual([platform.id, platform.id]);
    await until('b notified twice', () => seenB.length === 2);
    const move = await b.models.rollback(platform.id, 'conv', 'runtime');
    expect(move).toEqual({ kind: 'conv', target: 'runtime', fromVersion: 2, toVersion: 1 });
    await until('a notified of the rollback', () => seenA.length === 3);
    expect(seenB).toHaveLength(3);
    expect(await a.models.currentPointers(platform.id)).toEqual([
      { kind: 'conv', target: 'runtime', version: 1 },
    ]);
    // A transaction that rolls back notifies nobody: no version, no message.
    await expect(b.models.rollback(platform.id, 'conv', 'runtime')).rejects.toThrow(/has no parent/);
    await new Promise((r) => setTimeout(r, 300));
    expect(seenA).toHaveLength(3);
  });

  it('reconnects a dropped listener and then says any platform may have changed', async () => {
    const { url, stores } = await replicas(2);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    await a.ingest.registerAgent(hello('agent-l'), null);
    const seenB: (string | null)[] = [];
    b.onModelVersionChange((c) => seenB.push(c.platformId));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // The server ends every listener connection, as a failover or a network cut would.
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'neuralpower-collector-listener' AND datname = current_database()`,
      );
      expect(killed.rowCount).toBe(2);
    } finally {
      await admin.end();
    }
    // Notifications may have been missed meanwhile: b is told that anything may have changed.
    await until('b resynced after reconnecting', () => seenB.includes(null));
    expect(b.listener!.reconnects).toBe(1);
    seenB.length = 0;
    await a.models.addVersions([version('fc', 'runtime', 1)], 'fit: test');
    await until('b notified over the new connection', () => seenB.length === 1);
    expect((await b.health()).detail).not.toMatch(/reconnecting/);
  });

  it('runs one fit of a (platform, kind) at a time across replicas, others in parallel', async () => {
    const { stores } = await replicas(2);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    const events: string[] = [];
    const fit = (store: PostgresStore, name: string, kind: string) =>
      store.fits.withFitLock(platform.id, kind, async () => {
        events.push(`${name} start`);
        await new Promise((r) => setTimeout(r, 200));
        events.push(`${name} end`);
        return name;
      });
    const [ra, rb] = await Promise.all([fit(a, 'a', 'conv'), fit(b, 'b', 'conv')]);
    expect([ra, rb]).toEqual(['a', 'b']);
    // Never both inside: each start is followed by its own end.
    expect(events[1]).toBe(events[0]!.replace('start', 'end'));
    expect(events[3]).toBe(events[2]!.replace('start', 'end'));
    // Another kind does not wait; a failing fit releases the lock.
    events.length = 0;
    await Promise.all([fit(a, 'a', 'conv'), fit(b, 'b', 'fc')]);
    expect(events.slice(0, 2).sort()).toEqual(['a start', 'b start']);
    await expect(
      a.fits.withFitLock(platform.id, 'conv', async () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(await b.fits.withFitLock(platform.id, 'conv', async () => 'free')).toBe('free');
  });

  it('never leases one campaign item to two agents on two replicas', async () => {
    const { stores } = await replicas(2);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    await a.ingest.registerAgent(hello('agent-c'), null);
    const options = resolveOptions(
      campaignCreateSchema.parse({
        platform: platform.id,
        kinds: ['fc'],
        targetRmspe: 0.1,
        budget: 30,
        repeatShare: 0,
      }),
    );
    await a.campaigns.create('c-1', platform.id, options, planCampaign(platform.id, options));
    const nowMs = Date.now();
    const requests = Array.from({ length: 12 }, (_, i) =>
      (i % 2 ? a : b).campaigns.lease('c-1', {
        agentId: `agent-${i}`,
        requestId: `r-${i}`,
        max: 4,
        budget: 30,
        ttlMs: 60_000,
        nowMs,
      }),
    );
    const leases = await Promise.all(requests);
    const leasedIds = leases.flatMap((l) => (l.kind === 'lease' ? l.items.map((it) => it.itemId) : []));
    expect(new Set(leasedIds).size).toBe(leasedIds.length);
    expect(leasedIds.length).toBe(30); // the budget, not one more
    expect((await b.campaigns.progress('c-1', 30)).leased).toBe(30);
  });

  it('reports pool and query-latency metrics, and health names the store', async () => {
    const { stores } = await replicas(1);
    const store = stores[0]!;
    const registry = new Registry();
    store.registerMetrics(registry);
    await store.queries.platforms();
    const text = await registry.metrics();
    expect(text).toMatch(/neuralpower_store_pool_connections\{state="total"\} [1-9]/);
    expect(text).toMatch(/neuralpower_store_pool_connections\{state="waiting"\} 0/);
    expect(text).toMatch(/neuralpower_store_query_seconds_count\{outcome="ok"\} [1-9]/);
    expect(text).toMatch(/neuralpower_store_listener_connected 1/);
    expect(await store.health()).toMatchObject({
      store: 'postgres',
      ok: true,
      detail: expect.stringMatching(/^SELECT 1 in/),
    });
  });

  it('refuses a database it cannot reach with the URL, never the password', async () => {
    const url = `postgres://np:s3cret-pw@127.0.0.1:${cluster.port + 1}/nothing?connect_timeout=2`;
    const failure = openPostgresStore(url);
    await expect(failure).rejects.toThrow(
      /cannot open the PostgreSQL database postgres:\/\/np:\*\*\*@127\.0\.0\.1/,
    );
    await expect(failure).rejects.not.toThrow(/s3cret-pw/);
  });

  it('a hello for one agent id from two tokens on two replicas at once binds it to one token', async () => {
    const { stores } = await replicas(2);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    const t1 = await a.tokens.insert({
      name: 't1',
      hash: 'h1',
      scopes: 'agent',
      createdAt: new Date().toISOString(),
    });
    const t2 = await a.tokens.insert({
      name: 't2',
      hash: 'h2',
      scopes: 'agent',
      createdAt: new Date().toISOString(),
    });
    for (let i = 0; i < 10; i++) {
      const id = `contested-${i}`;
      const msg = { ...hello(id), protocolVersion: PROTOCOL_VERSION };
      const [ra, rb] = await Promise.all([a.ingest.registerAgent(msg, t1), b.ingest.registerAgent(msg, t2)]);
      expect([ra.status, rb.status].sort(), id).toEqual(['registered', 'taken']);
    }
  });
});
