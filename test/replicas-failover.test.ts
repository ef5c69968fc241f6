/**
 * Two `neuralpower collector` processes on one PostgreSQL database, agents split across them, one
 * replica SIGKILLed mid-stream while its agents fail over to the other. Each group of agents
 * reaches the replicas through a loopback TCP forwarder that, like a Kubernetes Service, sends a
 * new connection to the first replica that accepts it: the agents keep their one collector URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { predictViaCollector, requestFit, rollbackModel } from '@neuralpower/collector';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../collector/src/store/postgres/migrations.js';
import { type PgCluster, startPostgres } from './support/postgres.js';
import { type CollectorProc, type Proc, sleep, spawnCli, waitUntil } from './support/processes.js';
import { platform } from './support/records.js';
import { Rng } from './support/rng.js';
import { StreamAgent } from './support/stream-agent.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const dir = mkdtempSync(path.join(tmpdir(), 'np-replicas-'));
let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startReplica(url: string): Promise<CollectorProc> {
  const proc = spawnCli(['collector', '--db', url, '--host', '127.0.0.1', '--port', '0', '--fit-every', '0']);
  const m = await proc.waitFor(
    /collector listening on http:\/\/127\.0\.0\.1:(\d+)/,
    120_000,
    'replica start',
  );
  const port = Number(m[1]);
  return { proc, port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/v1/agents` };
}

async function cliOutput(args: string[]): Promise<string> {
  const proc = spawnCli(args);
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`neuralpower ${args.join(' ')} failed:\n${proc.stderr}`);
  return proc.stdout.trim();
}

interface PgReport {
  measurements: number;
  duplicateKeys: number;
  duplicateSlots: number;
  batchRecordSum: number;
  byKey: Map<string, number[]>;
}

/** What the database holds, read with plain SQL (no collector code involved). */
async function inspect(url: string): Promise<PgReport> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const one = async (sql: string) => Number((await client.query(sql)).rows[0]!.n);
    const rows = await client.query<{ k: string; ms: number }>(
      'SELECT natural_key AS k, runtime_mean_ms AS ms FROM measurements',
    );
    const byKey = new Map<string, number[]>();
    for (const r of rows.rows) byKey.set(r.k, [...(byKey.get(r.k) ?? []), r.ms]);
    return {
      measurements: await one('SELECT COUNT(*) AS n FROM measurements'),
      duplicateKeys: await one(
        'SELECT COALESCE(SUM(n - 1), 0) AS n FROM (SELECT COUNT(*) AS n FROM measurements GROUP BY agent_id, natural_key) d',
      ),
      duplicateSlots: await one(
        'SELECT COALESCE(SUM(n - 1), 0) AS n FROM (SELECT COUNT(*) AS n FROM measurements GROUP BY agent_id, seq, idx) d',
      ),
      batchRecordSum: await one('SELECT COALESCE(SUM(records), 0) AS n FROM batches'),
      byKey,
    };
  } finally {
    await client.end();
  }
}

it('two replicas on one database: one SIGKILLed mid-stream, its agents fail over, every record stored once', async () => {
  const url = await cluster.createDatabase('replicas');
  const token = await cliOutput(['collector', 'token', 'create', '--db', url, '--name', 'replicas']);
  // Both replicas start together on an empty database: the schema is migrated once.
  let [a, b] = await Promise.all([startReplica(url), startReplica(url)]);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const migrations = await admin.query('SELECT version FROM schema_migrations ORDER BY version');
  await admin.end();
  expect(migrations.rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));

  const proxies: TcpProxy[] = [await startTcpProxy([a.port, b.port]), await startTcpProxy([b.port, a.port])];
  const agents = Array.from(
    { length: 6 },
    (_, index) =>
      new StreamAgent({
        index,
        stateDir: path.join(dir, `agent-${index}`),
        url: `ws://127.0.0.1:${proxies[index % 2]!.port}`,
        token,
        batchSize: 10,
      }),
  );
  const onA = agents.filter((_, i) => i % 2 === 0);
  const rng = new Rng(13);
  const perAgent = 300;
  let killedWithPending = -1;
  let committedUnacked = 0;
  const admin2 = new pg.Client({ connectionString: url });
  await admin2.connect();
  const batchesOf = async (ids: readonly string[]) => {
    const rows = await admin2.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM batches WHERE agent_id = ANY($1)',
      [ids],
    );
    return Number(rows.rows[0]!.n);
  };
  try {
    for (const agent of agents) agent.start();
    // Records trickle in. Once replica a has acked some batches, its replies stop reaching its
    // agents (a network fault) while it keeps committing; then it is SIGKILLed. Its agents hold
    // batches that are committed but were never acked: they must resend them to b, which must
    // recognise them as stored.
    while (agents.some((x) => x.produced < perAgent)) {
      for (const agent of agents) agent.produce(Math.min(perAgent - agent.produced, rng.int(0, 25)));
      const ackedOnA = onA.reduce((s, x) => s + x.stream.acked, 0);
      const pendingOnA = onA.reduce((s, x) => s + x.outbox.pendingCount(), 0);
      if (killedWithPending < 0 && ackedOnA >= 10 && pendingOnA > 0) {
        proxies[0]!.holdReplies();
        // Committed but never acked = stored batches of a's agents minus the new batches they saw
        // acked. Counted, not diffed against a snapshot: the batch in flight when replies stop may
        // already be committed by then (one batch in flight per agent, so none follows it).
        const unacked = async () =>
          (await batchesOf(onA.map((x) => x.agentId))) -
          onA.reduce((s, x) => s + x.stream.acked - x.stream.duplicates, 0);
        for (let i = 0; i < 400 && committedUnacked === 0; i++) {
          await sleep(50); // an ack already past the forwarder when replies stopped lands meanwhile
          committedUnacked = await unacked();
        }
        killedWithPending = onA.reduce((s, x) => s + x.outbox.pendingCount(), 0);
        await a.proc.kill();
        proxies[0]!.releaseReplies();
      }
      await sleep(rng.int(0, 20));
    }
    await waitUntil(
      () => (agents.every((x) => x.outbox.pendingCount() === 0) ? true : undefined),
      120_000,
      'every outbox drained on the surviving replica',
    );
    expect(killedWithPending).toBeGreaterThan(0);
    expect(committedUnacked).toBeGreaterThan(0);
    // The agents of the dead replica reconnected, through the forwarder, to the other one.
    expect(proxies[0]!.forwarded.get(b.port) ?? 0).toBeGreaterThan(0);

    const produced = agents.reduce((s, x) => s + x.produced, 0);
    const report = await inspect(url);
    let missing = 0;
    let wrongValue = 0;
    for (const agent of agents) {
      for (const [key, ms] of agent.expected()) {
        const got = report.byKey.get(key);
        if (!got) missing++;
        else if (got.length !== 1 || got[0] !== ms) wrongValue++;
      }
    }
    const duplicateAcks = agents.reduce((s, x) => s + x.stream.duplicates, 0);
    // The batches a committed without its ack arriving were resent to b and acked as duplicates.
    expect(duplicateAcks).toBeGreaterThanOrEqual(committedUnacked);
    console.log(
      `replica failover: ${agents.length} agents, ${produced} produced, ${report.measurements} stored, ` +
        `${killedWithPending} records unacked on the killed replica's agents (${committedUnacked} batches committed, ack lost), ${duplicateAcks} duplicate acks, ` +
        `connections via the forwarders: ${JSON.stringify(proxies.map((p) => Object.fromEntries(p.forwarded)))}`,
    );
    expect(report.measurements).toBe(produced);
    expect([missing, wrongValue, report.duplicateKeys, report.duplicateSlots]).toEqual([0, 0, 0, 0]);
    expect(report.byKey.size).toBe(produced);
    expect(report.batchRecordSum).toBe(report.measurements); // no half batch
    expect(await cluster.amcheck('replicas')).toBe('ok');

    // The killed replica comes back on the same database; both serve the same data.
    a = await startReplica(url);
    const health = await Promise.all(
      [a, b].map(async (r) => (await fetch(`${r.url}/healthz`)).json() as Promise<Record<string, unknown>>),
    );
    for (const h of health) expect(h['measurements']).toBe(produced);
  } finally {
    await admin2.end();
    await Promise.all(agents.map((x) => x.stop()));
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all([a, b].map((r) => r.proc.stop()));
  }
}, 300_000);

it('a replica refuses to start on a database whose schema is newer than its code', async () => {
  const url = await cluster.createDatabase('newer');
  await cliOutput(['collector', 'token', 'create', '--db', url, '--name', 'migrates']);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`INSERT INTO schema_migrations VALUES (99, 'from the future', 'x')`);
  await admin.end();
  const proc: Proc = spawnCli(['collector', '--db', url, '--host', '127.0.0.1', '--port', '0']);
  const exit = await proc.exited;
  expect(exit.code).not.toBe(0);
  expect(proc.stderr).toMatch(
    new RegExp(
      `database schema version 99 is newer than this collector's ${PG_SCHEMA_VERSION}; upgrade neuralpower`,
    ),
  );
  expect(proc.stderr).not.toMatch(/listening/);
}, 120_000);

it("fits and rollbacks on one replica reach the other replica's prediction cache (LISTEN/NOTIFY between processes)", async () => {
  const url = await cluster.createDatabase('models');
  const token = await cliOutput([
    'collector',
    'token',
    'create',
    '--db',
    url,
    '--name',
    'ops',
    '--scope',
    'agent,admin',
  ]);
  const [a, b] = await Promise.all([startReplica(url), startReplica(url)]);
  const agent = new StreamAgent({
    index: 0,
    stateDir: path.join(dir, 'models-agent'),
    url: `ws://127.0.0.1:${a.port}`,
    token,
  });
  const drained = () =>
    waitUntil(() => (agent.outbox.pendingCount() === 0 ? true : undefined), 60_000, 'outbox drained');
  /** The fc runtime version a replica's predictions use (its cached pointers), once it equals `want`. */
  const predictsWith = async (replica: CollectorProc, want: number) => {
    let seen = -1;
    for (let i = 0; i < 100 && seen !== want; i++) {
      const answer = await predictViaCollector(
        replica.url,
        { platform: platform.id, network: 'vgg16', batch: 1 },
        { token },
      );
      seen = answer.models.find((m) => m.kind === 'fc' && m.target === 'runtime')?.version ?? -1;
      if (seen !== want) await sleep(50);
    }
    return seen;
  };
  const fcRuntime = (fit: Awaited<ReturnType<typeof requestFit>>) =>
    fit.fits.find((f) => f.kind === 'fc')!.versions.find((v) => v.target === 'runtime')!.version;
  try {
    agent.start();
    agent.produce(120);
    await drained();
    const first = fcRuntime(await requestFit(b.url, platform.id, ['fc'], { token }));
    // a learns the pointers and caches them ...
    expect(await predictsWith(a, first)).toBe(first);
    agent.produce(60);
    await drained();
    const second = fcRuntime(await requestFit(b.url, platform.id, ['fc'], { token }));
    expect(second).toBeGreaterThan(first);
    // ... and drops them when b's fit commits: a now predicts with the new version.
    expect(await predictsWith(a, second)).toBe(second);
    // A rollback on a reaches b's cache the same way.
    expect(await predictsWith(b, second)).toBe(second);
    const move = await rollbackModel(a.url, platform.id, { kind: 'fc', target: 'runtime' }, { token });
    expect(move).toMatchObject({ fromVersion: second, toVersion: first });
    expect(await predictsWith(b, first)).toBe(first);
  } finally {
    await agent.stop();
    await Promise.all([a, b].map((r) => r.proc.stop()));
  }
}, 300_000);
