import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CollectorProc, spawnCli, spawnCollector } from './support/processes.js';
import { ProtocolClient } from './support/protocol-client.js';
import { hello, platform, syntheticRecord } from './support/records.js';
import { createToken } from './support/store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'np-curation-'));
const dbPath = path.join(dir, 'collector.db');
let collector: CollectorProc;
let token: string;
let agentOnly: string;
const AGENT = 'curation-agent';
const RECORDS = 24;

/** Rows a collector stored before the edge checked ranges: copies of a stored row with a bad runtime. */
function plantImplausibleRows(): void {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const insert = db.prepare(`
      INSERT INTO measurements (platform_id, agent_id, seq, idx, type, model_kind, network_name, natural_key, batch,
        runtime_mean_ms, runtime_median_ms, runtime_std_ms, runtime_n, power_mean_w, energy_mj, started_at, ended_at,
        received_at, record_json)
      SELECT platform_id, 'old-agent', 1, ?, type, model_kind, network_name, natural_key || ?, batch, ?, ?, 0,
        runtime_n, power_mean_w, energy_mj, started_at, ended_at, received_at, record_json
      FROM measurements WHERE agent_id = ? ORDER BY id LIMIT 1`);
    insert.run(0, '#huge', 1e308, 1e308, AGENT);
    insert.run(1, '#tiny', 1e-300, 1e-300, AGENT);
  } finally {
    db.close();
  }
}

async function cli(...args: string[]): Promise<unknown> {
  const proc = spawnCli([...args, '--collector', collector.url, '--token', token, '--json']);
  const exit = await proc.exited;
  expect(exit, proc.tail()).toEqual({ code: 0, signal: null });
  return JSON.parse(proc.stdout);
}

async function csvRows(): Promise<number> {
  const res = await fetch(`${collector.url}/v1/measurements.csv?platform=${platform.id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.text()).trim().split('\n').length - 1;
}

beforeAll(async () => {
  token = await createToken(dbPath, 'operator-1', ['agent', 'admin']);
  agentOnly = await createToken(dbPath, 'agent-only');
  collector = await spawnCollector(dbPath);
  const agent = await ProtocolClient.connect(collector.wsUrl, token);
  agent.sendJson(hello(AGENT));
  expect(await agent.next()).toMatchObject({ type: 'welcome' });
  const records = Array.from({ length: RECORDS }, (_, i) => syntheticRecord(1, i));
  agent.sendJson({ type: 'measurements', seq: 1, records });
  expect(await agent.next()).toMatchObject({ type: 'ack', stored: RECORDS });
  agent.close();
  plantImplausibleRows();
}, 90_000);

afterAll(async () => {
  await collector?.proc.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Fit = {
  kind: string;
  versions: { target: string; version: number; report: { rmspe: number } }[];
  error: string | null;
};

it('a fit leaves out stored runtimes of 1e308 and 1e-300 ms and stores finite metrics', async () => {
  const fit = (await cli('models', 'fit', '--platform', platform.id)) as { fits: Fit[] };
  const fc = fit.fits.find((f) => f.kind === 'fc')!;
  expect(fc.error).toBeNull();
  expect(fc.versions.map((v) => v.target).sort()).toEqual(['power', 'runtime']);
  for (const v of fc.versions) expect(Number.isFinite(v.report.rmspe)).toBe(true);
  const predict = await fetch(`${collector.url}/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ platform: platform.id, network: 'lenet5' }),
  });
  expect(predict.status).toBe(200);
}, 120_000);

it('an operator excludes, includes and deletes measurements; each is audited and refit', async () => {
  expect(await csvRows()).toBe(RECORDS + 2);

  const implausible = (await cli(
    'measurements',
    'exclude',
    '--platform',
    platform.id,
    '--implausible',
    '--reason',
    'pre-bounds rows',
  )) as { rows: number; kinds: string[] };
  expect(implausible).toMatchObject({ action: 'exclude', rows: 2, kinds: ['fc'] });
  expect(await csvRows()).toBe(RECORDS);

  const db = new Database(dbPath, { readonly: true });
  const key = db
    .prepare('SELECT natural_key FROM measurements WHERE agent_id = ? ORDER BY id LIMIT 1')
    .pluck()
    .get(AGENT) as string;
  db.close();
  const one = (await cli('measurements', 'exclude', '--platform', platform.id, '--key', key)) as {
    rows: number;
    fits: Fit[];
  };
  expect(one.rows).toBe(1);
  // The training set changed: a new version fitted on one row fewer.
  expect(one.fits[0]!.versions.length).toBe(2);
  expect(await csvRows()).toBe(RECORDS - 1);

  const back = (await cli('measurements', 'include', '--platform', platform.id, '--key', key)) as {
    rows: number;
  };
  expect(back.rows).toBe(1);
  expect(await csvRows()).toBe(RECORDS);

  const deleted = (await cli(
    'measurements',
    'delete',
    '--platform',
    platform.id,
    '--agent',
    'old-agent',
    '--no-refit',
  )) as { rows: number; fits: Fit[] };
  expect(deleted).toMatchObject({ rows: 2, fits: [] });
  const health = (await (await fetch(`${collector.url}/healthz`)).json()) as { measurements: number };
  expect(health.measurements).toBe(RECORDS);

  const audit = (await cli('measurements', 'audit', '--platform', platform.id)) as {
    entries: { action: string; rows: number; tokenName: string; reason: string | null }[];
  };
  expect(audit.entries.map((e) => [e.action, e.rows, e.tokenName])).toEqual([
    ['delete', 2, 'operator-1'],
    ['include', 1, 'operator-1'],
    ['exclude', 1, 'operator-1'],
    ['exclude', 2, 'operator-1'],
  ]);
  expect(audit.entries[3]!.reason).toBe('pre-bounds rows');
}, 240_000);

it('refuses without a token, without a selection, and names the problem', async () => {
  const post = (body: unknown, auth?: string) =>
    fetch(`${collector.url}/v1/platforms/${platform.id}/measurements/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify(body),
    });
  expect((await post({ kind: 'fc' })).status).toBe(401);
  // An agent token may ingest, not curate.
  expect((await post({ kind: 'fc' }, agentOnly)).status).toBe(403);
  const none = await post({}, token);
  expect(none.status).toBe(400);
  expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(
    /name at least one of kind, key, agent, before, implausible/,
  );
  const bad = await post({ before: 'yesterday' }, token);
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('before');
  const proc = spawnCli(['measurements', 'delete', '--platform', platform.id, '--collector', collector.url]);
  expect((await proc.exited).code).not.toBe(0);
  expect(proc.stderr).toContain('name the measurements: --kind, --key, --agent, --before or --implausible');
}, 120_000);

/** A Keras Sequential model whose one layer config nests 100 000 levels deep. */
function deepKeras(): string {
  const depth = 100_000;
  return `{"class_name":"Sequential","config":{"name":"deep","layers":[{"class_name":"Dense","config":{"name":"d","units":4,"extra":${'['.repeat(depth)}${']'.repeat(depth)}}}]}}`;
}

it('deeply nested Keras JSON: a clear 400 over HTTP and a clear CLI error (not "unreachable")', async () => {
  const res = await fetch(`${collector.url}/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: `{"platform":"${platform.id}","network":{"keras":${deepKeras()}}}`,
  });
  // The predict route refuses it by size before parsing (413); the importer itself would say 400.
  expect([400, 413]).toContain(res.status);
  const body = (await res.json()) as { error: { message: string } };
  expect(body.error.message).toMatch(/nested deeper than 64 levels/);

  const file = path.join(dir, 'deep.json');
  writeFileSync(file, deepKeras());
  const remote = spawnCli(
    ['predict', '--collector', collector.url, '--platform', platform.id, '--network', file],
    { NEURALPOWER_TOKEN: token },
  );
  expect((await remote.exited).code).toBe(1);
  expect(remote.stderr).toMatch(/keras JSON is nested deeper than 64 levels/i);
  expect(remote.stderr).not.toMatch(/Maximum call stack|cannot reach/);

  // The collector's own refusal is reported as such.
  const unknown = spawnCli(
    ['predict', '--collector', collector.url, '--platform', 'cpu-0000000000000000', '--network', 'lenet5'],
    { NEURALPOWER_TOKEN: token },
  );
  expect((await unknown.exited).code).toBe(1);
  expect(unknown.stderr).toMatch(/^error: collector: unknown platform/);
  expect(unknown.stderr).not.toMatch(/cannot reach/);
}, 120_000);
