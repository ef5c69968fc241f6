import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LayerRecord, LeaseItem } from '@neuralpower/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolClient } from '../../test/support/protocol-client.js';
import { hello, platform } from '../../test/support/records.js';
import { type RunningCollector, startCollector } from '../src/server.js';
import type { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

let dir: string;
let collector: RunningCollector;
let token: string;
let agentOnly: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'np-campaign-'));
  collector = await startCollector({
    db: path.join(dir, 'c.db'),
    port: 0,
    fitEvery: 0,
    processMetrics: false,
  });
  token = (await collector.context.tokens.create('t', ['agent', 'admin'])).token;
  agentOnly = (await collector.context.tokens.create('a', ['agent'])).token;
  // The platform exists once an agent said hello.
  const c = await ProtocolClient.connect(collector.wsUrl, token);
  c.sendJson(hello('setup'));
  await c.next();
  c.ws.close();
});
afterAll(async () => {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the test reads several JSON answer shapes loosely.
  body: any;
}

async function post(p: string, body: unknown, auth = true): Promise<Answer> {
  const res = await fetch(`${collector.url}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

function record(item: LeaseItem, meanMs: number): LayerRecord {
  const t = new Date().toISOString();
  return {
    type: 'layer',
    platform: platform.id,
    spec: item.spec,
    inputs: item.inputs,
    batch: item.batch,
    runtime: { meanMs, medianMs: meanMs, stdMs: 0, n: 3 },
    power: 'unavailable',
    energyMj: null,
    startedAt: t,
    endedAt: t,
  } as LayerRecord;
}

describe('campaign leases', () => {
  it('refuses bad requests with the field named, and creation without a token', async () => {
    expect(
      (await post('/v1/campaigns', { platform: platform.id, targetRmspe: 0.1, budget: 10 }, false)).status,
    ).toBe(401);
    const bad = await post('/v1/campaigns', { platform: platform.id, targetRmspe: -1, budget: 10 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('targetRmspe');
    const unknown = await post('/v1/campaigns', { platform: 'cpu-nope', targetRmspe: 0.1, budget: 10 });
    // Scopes: an agent token may lease and read but not create; reads need a token.
    const asAgent = await fetch(`${collector.url}/v1/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agentOnly}` },
      body: JSON.stringify({ platform: platform.id, targetRmspe: 0.1, budget: 10 }),
    });
    expect(asAgent.status).toBe(403);
    expect((await fetch(`${collector.url}/v1/campaigns`)).status).toBe(401);
    const withAgent = { headers: { authorization: `Bearer ${agentOnly}` } };
    expect((await fetch(`${collector.url}/v1/campaigns`, withAgent)).status).toBe(200);
    expect(unknown.status).toBe(404);
  });

  it('answers a retried lease request with the same lease, keeps agents disjoint, stores a twice-sent batch once', async () => {
    const created = await post('/v1/campaigns', {
      platform: platform.id,
      kinds: ['fc'],
      ranges: 'tiny',
      strategy: 'random',
      targetRmspe: 0.01,
      budget: 6,
      repeatShare: 0,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const ask = (agentId: string, requestId: string, max = 3) =>
      post(`/v1/campaigns/${id}/leases`, { agentId, platform: platform.id, max, requestId });

    const a1 = await ask('agent-a', 'r1');
    const a1again = await ask('agent-a', 'r1');
    expect(a1.body.lease.id).toBe(a1again.body.lease.id);
    expect(a1again.body.lease.items.map((i: { itemId: number }) => i.itemId)).toEqual(
      a1.body.lease.items.map((i: { itemId: number }) => i.itemId),
    );
    const b1 = await ask('agent-b', 'r1');
    const aIds = new Set(a1.body.lease.items.map((i: { itemId: number }) => i.itemId));
    expect(b1.body.lease.items.length).toBe(3);
    for (const it of b1.body.lease.items) expect(aIds.has(it.itemId)).toBe(false);
    // The budget (6) is fully leased: nothing more for anyone.
    expect((await ask('agent-c', 'r1')).body.lease).toBeNull();
    // Another agent cannot renew or release someone else's lease.
    expect(
      (await post(`/v1/campaigns/${id}/leases/${a1.body.lease.id}/renew`, { agentId: 'agent-b' })).status,
    ).toBe(403);

    // agent-a answers its lease; the same batch arrives twice (a lost ack): stored once.
    const ws = await ProtocolClient.connect(collector.wsUrl, token);
    ws.sendJson(hello('agent-a'));
    await ws.next();
    const batch = {
      type: 'measurements',
      seq: 1,
      records: (a1.body.lease.items as LeaseItem[]).map((it, i) => record(it, 1 + i)),
    };
    ws.sendJson(batch);
    expect(await ws.next()).toMatchObject({ type: 'ack', seq: 1, duplicate: false });
    ws.sendJson(batch);
    expect(await ws.next()).toMatchObject({ type: 'ack', seq: 1, duplicate: true });
    ws.ws.close();

    const renewed = await post(`/v1/campaigns/${id}/leases/${a1.body.lease.id}/renew`, {
      agentId: 'agent-a',
    });
    expect(renewed.body.held).toEqual([]);
    const detail = await (
      await fetch(`${collector.url}/v1/campaigns/${id}`, { headers: { authorization: `Bearer ${token}` } })
    ).json();
    expect(detail.progress).toMatchObject({ measured: 3, leased: 3, left: 0 });
    const stored = (collector.context.store as SqliteStore).db
      .prepare('SELECT natural_key, COUNT(*) AS n FROM measurements WHERE agent_id = ? GROUP BY natural_key')
      .all('agent-a') as { n: number }[];
    expect(stored.length).toBe(3);
    expect(stored.every((r) => r.n === 1)).toBe(true);

    // agent-b gives its lease back: the items return to the pool and go to the next asker.
    const released = await post(`/v1/campaigns/${id}/leases/${b1.body.lease.id}/release`, {
      agentId: 'agent-b',
    });
    expect(released.body.released).toBe(3);
    const c1 = await ask('agent-c', 'r2');
    expect(c1.body.lease.items.map((i: { itemId: number }) => i.itemId).sort()).toEqual(
      b1.body.lease.items.map((i: { itemId: number }) => i.itemId).sort(),
    );

    // Stopped: leases are freed, no more work.
    const stopped = await post(`/v1/campaigns/${id}/stop`, {});
    expect(stopped.body.state).toBe('stopped');
    const after = await ask('agent-c', 'r3');
    expect(after.body).toMatchObject({ state: 'stopped', lease: null });
  });

  it('serves the campaign routes in the OpenAPI document', async () => {
    const doc = await (
      await fetch(`${collector.url}/v1/openapi.json`, { headers: { authorization: `Bearer ${token}` } })
    ).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/campaigns',
        '/v1/campaigns/{id}/leases',
        '/v1/campaigns/{id}/leases/{lease}/renew',
      ]),
    );
  });
});

describe('campaign CLI', () => {
  const cli = (args: string[]) =>
    promisify(execFile)(
      process.execPath,
      [path.join(import.meta.dirname, '../../bin/neuralpower.js'), 'campaign', ...args],
      {
        env: { ...process.env, NEURALPOWER_COLLECTOR: collector.url, NEURALPOWER_TOKEN: token },
      },
    );

  it('creates, lists, shows and stops a campaign; names a bad option', async () => {
    const created = JSON.parse(
      (
        await cli([
          'create',
          '--platform',
          platform.id,
          '--kinds',
          'pool',
          '--ranges',
          'tiny',
          '--target-rmspe',
          '0.1',
          '--budget',
          '20',
          '--json',
        ])
      ).stdout,
    );
    expect(created).toMatchObject({
      state: 'running',
      platformId: platform.id,
      progress: { measured: 0, left: 20 },
    });
    const listed = (await cli(['list'])).stdout;
    expect(listed).toContain(created.id);
    const shown = (await cli(['show', created.id])).stdout;
    expect(shown).toMatch(/0 measured \/ 0 leased \/ 20 left of 20/);
    const stopped = (await cli(['stop', created.id])).stdout;
    expect(stopped).toMatch(/stopped \(stopped by token t\)/);
    const bad = await cli([
      'create',
      '--platform',
      platform.id,
      '--kinds',
      'nope',
      '--target-rmspe',
      '0.1',
      '--budget',
      '5',
    ]).catch((err: { stderr: string; code: number }) => err);
    expect(bad).toMatchObject({ code: expect.any(Number) });
    expect((bad as { stderr: string }).stderr).toMatch(/kinds\.0/);
  }, 120_000);
});
