import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoodAgent } from './support/good-agent.js';
import { type CollectorProc, sleep, spawnCli, spawnCollector, waitUntil } from './support/processes.js';
import { ProtocolClient } from './support/protocol-client.js';
import { RawWebSocket, rawGet, rawRequest } from './support/raw-http.js';
import { hello, platform } from './support/records.js';
import { createToken, revokeToken } from './support/store.js';

// Defects 1, 5 and 8 of issue 14, and the access model, against a real collector process that has
// no process-level error handler (test/support/collector-entry.ts): a request that escapes the
// router's error handling ends the process, and every test here checks that it is still alive.

const dir = mkdtempSync(path.join(tmpdir(), 'np-http-hardening-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LIMITS = {
  maxConnections: 6,
  maxConnectionsPerToken: 3,
  frameAssemblyMs: 2500,
  maxMessagesPerSecond: 50,
  maxPredictNodes: 200,
  maxBodyBytes: 1024 * 1024,
  authRecheckMs: 300,
};

describe('a collector facing a network (reads closed, small limits)', () => {
  const dbPath = path.join(dir, 'collector.db');
  let collector: CollectorProc;
  const token = { agent: '', agent2: '', read: '', admin: '' };
  const auth = (t: string) => ({ authorization: `Bearer ${t}` });
  const alive = async () => {
    expect(collector.proc.exit, collector.proc.tail()).toBeNull();
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  };

  beforeAll(async () => {
    token.agent = await createToken(dbPath, 'agent-1');
    token.agent2 = await createToken(dbPath, 'agent-2');
    token.read = await createToken(dbPath, 'reader', ['read']);
    token.admin = await createToken(dbPath, 'operator', ['admin']);
    // Pings every second: the raw test peers must look alive by answering them. (Much shorter
    // drops slow test clients on a loaded machine: a missed pong interval ends a connection.)
    collector = await spawnCollector(dbPath, 0, { collector: { limits: LIMITS, pingIntervalMs: 1000 } });
    // One platform known to the collector, for the routes that take an id.
    const good = await GoodAgent.connect(collector.wsUrl, token.agent, 1);
    await good.ok();
    good.close();
  }, 90_000);
  afterAll(async () => {
    await collector?.proc.stop();
  });

  it('odd request targets answer 400 JSON and the process keeps serving (GET // used to end it)', async () => {
    const cases: [string, Record<string, string>, number][] = [
      ['//', {}, 400],
      ['//evil.example/x', {}, 400],
      ['///', {}, 400],
      ['*', {}, 400],
      ['/%', {}, 400],
      ['/%zz/x', {}, 400],
      ['/%zz/../', {}, 200], // normalised to / (the dashboard page)
      ['/dashboard/%E0%A4%A', {}, 400],
      [`/v1/platforms/%E0%A4%A`, auth(token.read), 400],
      [`/v1/platforms/${platform.id}%`, auth(token.read), 400],
      ['/v1/platforms/%00', auth(token.read), 404],
      [`http://127.0.0.1/healthz`, {}, 200],
      ['/healthz?%%%', {}, 200],
      ['/v1/platforms', { authorization: `Bearer ${'x'.repeat(8000)}` }, 401],
    ];
    for (const [target, headers, status] of cases) {
      const answer = await rawGet(collector.port, target, headers);
      expect([target, answer.status], answer.body).toEqual([target, status]);
      if (status >= 400) {
        expect(answer.headers['content-type'], target).toMatch(/^application\/json/);
        const body = JSON.parse(answer.body) as { error?: { status: number; message: string } };
        expect(body.error?.status).toBe(status);
      }
    }
    // What Node's own parser refuses gets a JSON answer too, not a silent reset.
    const malformed = await rawRequest(collector.port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(malformed.status).toBe(400);
    const huge = await rawRequest(
      collector.port,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(huge.status).toBe(431);
    await alive();
  });

  it('?platform= cannot add a filename or a header to the CSV Content-Disposition', async () => {
    const evil = encodeURIComponent('a"; filename="evil.sh\r\nX-Injected: 1');
    const answer = await rawGet(collector.port, `/v1/measurements.csv?platform=${evil}`, auth(token.read));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-disposition']).toMatch(/^attachment; filename="[A-Za-z0-9._-]+"$/);
    expect(answer.headers['x-injected']).toBeUndefined();
  });

  it('a body over --max-body-mb gets a clean 413; an oversized or deeply nested network is refused before any work', async () => {
    const big = await fetch(`${collector.url}/v1/predict`, {
      method: 'POST',
      headers: { ...auth(token.read), 'content-type': 'application/json' },
      body: JSON.stringify({ platform: platform.id, network: { native: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(/--max-body-mb/);

    const nodes = Array.from({ length: 5000 }, (_, i) => ({
      name: `fc${i}`,
      spec: { kind: 'fc', units: 10 },
      parents: [i === 0 ? 'input' : `fc${i - 1}`],
    }));
    const wide = await fetch(`${collector.url}/v1/predict`, {
      method: 'POST',
      headers: { ...auth(token.read), 'content-type': 'application/json' },
      body: JSON.stringify({
        platform: platform.id,
        network: { native: { name: 'n', input: [1, 1, 8], nodes } },
      }),
    });
    expect(wide.status).toBe(413);
    expect(((await wide.json()) as { error: { message: string } }).error.message).toMatch(
      /--max-predict-nodes/,
    );

    const deep = `{"platform":"${platform.id}","network":{"keras":${'['.repeat(50_000)}${']'.repeat(50_000)}}}`;
    const nested = await fetch(`${collector.url}/v1/predict`, {
      method: 'POST',
      headers: { ...auth(token.read), 'content-type': 'application/json' },
      body: deep,
    });
    expect([400, 413]).toContain(nested.status);
    await alive();
  });

  it('connections are limited per token (429) and in total (503)', async () => {
    const open: ProtocolClient[] = [];
    try {
      for (let i = 0; i < 3; i++) open.push(await ProtocolClient.connect(collector.wsUrl, token.agent));
      await expect(ProtocolClient.connect(collector.wsUrl, token.agent)).rejects.toThrow(/HTTP 429/);
      for (let i = 0; i < 3; i++) open.push(await ProtocolClient.connect(collector.wsUrl, token.agent2));
      await expect(ProtocolClient.connect(collector.wsUrl, token.admin)).rejects.toThrow(/HTTP 403/);
      const total = await createToken(dbPath, 'agent-3');
      await expect(ProtocolClient.connect(collector.wsUrl, total)).rejects.toThrow(/HTTP 503/);
    } finally {
      for (const c of open) c.close();
    }
    // Once the closes are through, the token may connect again.
    let again: ProtocolClient | null = null;
    for (let tries = 0; again === null && tries < 100; tries++) {
      again = await ProtocolClient.connect(collector.wsUrl, token.agent).catch(() => null);
      if (again === null) await sleep(100);
    }
    expect(again).not.toBeNull();
    again?.close();
  });

  it('a connection holding an unfinished message is dropped even while it answers pings; an idle one is not', async () => {
    // Fresh tokens: connections of the previous test may still be closing (per-token limit 3).
    const good = await GoodAgent.connect(collector.wsUrl, await createToken(dbPath, 'good-2'), 2);
    const stalling = await RawWebSocket.open(collector.port, await createToken(dbPath, 'stalling'));
    const idle = await RawWebSocket.open(collector.port, await createToken(dbPath, 'idle'));
    stalling.write(stalling.frame(1, JSON.stringify(hello('stalling')).slice(0, 40), false));
    const start = Date.now();
    await waitUntil(() => (stalling.closed ? true : undefined), 10_000, 'stalling connection dropped');
    const droppedAfterMs = Date.now() - start;
    expect(droppedAfterMs).toBeGreaterThanOrEqual(LIMITS.frameAssemblyMs - 100);
    await good.ok();
    expect(idle.closed).toBe(false); // answered every ping, held nothing: still connected
    idle.destroy();
    good.close();
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toMatch(/neuralpower_limit_rejections_total\{limit="frame_time"\} [1-9]/);
  });

  it('a heartbeat flood is closed; another agent keeps getting its acks', async () => {
    const good = await GoodAgent.connect(collector.wsUrl, await createToken(dbPath, 'good-3'), 3);
    const flood = await ProtocolClient.connect(collector.wsUrl, await createToken(dbPath, 'flooder'));
    flood.sendJson(hello('flooder'));
    expect((await flood.next()).type).toBe('welcome');
    const beat = JSON.stringify({ type: 'heartbeat', sentAt: new Date().toISOString() });
    for (let i = 0; i < 2000; i++) flood.send(beat, false);
    // Heartbeats answered up to the burst, then one error naming the limit, then the close. The
    // flood's answers are read while the good agent is timed: a flooder that stops reading is cut
    // with its error still queued behind the acks (that is the collector's backpressure rule).
    const floodEnd = (async () => {
      let error: { type: string; message?: string } | null = null;
      for (;;) {
        const m = await flood.next(15_000);
        if (m.type === 'error') error = m;
        if (m.type === 'closed') return error;
      }
    })();
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await good.ok();
      latencies.push(performance.now() - t);
    }
    const error = await floodEnd;
    expect(error?.message).toMatch(/messages per second .*--max-messages-per-s/);
    console.log(
      `good agent ack latency during a 2000-heartbeat flood: ${latencies.map((l) => l.toFixed(1)).join(', ')} ms`,
    );
    good.close();
    await alive();
  });

  it('scopes: agent streams, read reads, admin fits; health and metrics stay open', async () => {
    const get = async (route: string, t?: string) =>
      (await fetch(`${collector.url}${route}`, { headers: t ? auth(t) : {} })).status;
    expect(await get('/v1/platforms')).toBe(401);
    expect(await get('/v1/platforms', token.agent)).toBe(403);
    expect(await get('/v1/platforms', token.read)).toBe(200);
    expect(await get('/v1/platforms', token.admin)).toBe(200);
    expect(await get('/v1/measurements.csv')).toBe(401);
    expect(await get(`/v1/platforms/${platform.id}/keys`, token.agent)).toBe(200);
    expect(await get(`/v1/platforms/${platform.id}/keys`)).toBe(401);
    expect(await get('/dashboard/api/zoo')).toBe(401);
    expect(await get('/')).toBe(200); // the page itself holds no data; it asks for a token
    expect(await get('/healthz')).toBe(200);
    expect(await get('/metrics')).toBe(200);
    const requestFit = (t: string) =>
      fetch(`${collector.url}/v1/platforms/${platform.id}/fit`, { method: 'POST', headers: auth(t) });
    expect((await requestFit(token.read)).status).toBe(403);
    expect((await requestFit(token.agent)).status).toBe(403);
    expect((await requestFit(token.admin)).status).toBe(200);
    await expect(ProtocolClient.connect(collector.wsUrl, token.read)).rejects.toThrow(/HTTP 403/);
  }, 60_000);

  it('revoking a token closes its open connections within seconds', async () => {
    const doomed = await createToken(dbPath, 'doomed');
    const client = await ProtocolClient.connect(collector.wsUrl, doomed);
    client.sendJson(hello('doomed-agent'));
    expect((await client.next()).type).toBe('welcome');
    const revokedAt = Date.now();
    expect(await revokeToken(dbPath, 'doomed')).toBe(1);
    const error = await client.next(10_000);
    expect(error).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(await client.waitClosed(10_000)).toMatchObject({ code: 1008 });
    expect(Date.now() - revokedAt).toBeLessThan(5000);
  });

  it('a second collector on the same database is refused; token commands keep working beside it', async () => {
    const second = spawnCli(['collector', '--db', dbPath, '--port', '0']);
    const exit = await second.exited;
    expect(exit.code).not.toBe(0);
    expect(second.stderr).toMatch(/is in use by another collector/);
    const create = spawnCli([
      'collector',
      'token',
      'create',
      '--db',
      dbPath,
      '--name',
      'beside',
      '--scope',
      'read',
    ]);
    expect((await create.exited).code, create.stderr).toBe(0);
    expect(create.stdout).toMatch(/^np_/);
    await alive();
  }, 90_000);
});
