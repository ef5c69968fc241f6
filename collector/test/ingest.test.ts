import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { integrityCheck, type RunningCollector, type SqliteStore } from '../src/index.js';
import { fcRecord, hello, startTestCollector, TestAgent, tempDir } from './helpers.js';

function countRows(dbPath: string, table: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('open', () => {
      ws.close();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', () => undefined);
  });
}

describe('ingest over WebSocket', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dbPath: string;
  let collector: RunningCollector;
  let token: string;

  beforeEach(async () => {
    tmp = tempDir();
    dbPath = `${tmp.dir}/np.db`;
    ({ collector, token } = await startTestCollector(dbPath));
  });
  afterEach(async () => {
    await collector.close();
    tmp.cleanup();
  });

  it('refuses upgrades without a valid token with 401 and stores nothing', async () => {
    expect(await upgradeStatus(collector.wsUrl, {})).toBe(401);
    expect(await upgradeStatus(collector.wsUrl, { authorization: 'Bearer np_wrong' })).toBe(401);
    const revoked = await collector.context.tokens.create('soon-revoked');
    expect(await collector.context.tokens.revoke('soon-revoked')).toBe(1);
    expect(await upgradeStatus(collector.wsUrl, { authorization: `Bearer ${revoked.token}` })).toBe(401);
    const wrongPath = collector.wsUrl.replace('/v1/agents', '/v1/other');
    expect(await upgradeStatus(wrongPath, { authorization: `Bearer ${token}` })).toBe(404);
    expect(countRows(dbPath, 'agents')).toBe(0);
    expect(countRows(dbPath, 'measurements')).toBe(0);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toMatch(/neuralpower_auth_failures_total 3/);
  });

  it('acks a batch after commit, and a redelivered batch is acked again but not written twice', async () => {
    const agent = await TestAgent.connect(collector.wsUrl, token);
    const welcome = await agent.hello();
    expect(welcome).toMatchObject({ type: 'welcome', lastSeq: null });
    const records = [fcRecord(1), fcRecord(2), fcRecord(3)];
    agent.send({ type: 'measurements', seq: 1, records });
    expect(await agent.next()).toEqual({ type: 'ack', seq: 1, stored: 3, duplicate: false });
    agent.send({ type: 'measurements', seq: 1, records });
    expect(await agent.next()).toEqual({ type: 'ack', seq: 1, stored: 0, duplicate: true });
    expect(countRows(dbPath, 'measurements')).toBe(3);
    agent.close();

    // A reconnecting agent learns its last committed seq and may resend it.
    const again = await TestAgent.connect(collector.wsUrl, token);
    expect(await again.hello()).toMatchObject({ type: 'welcome', lastSeq: 1 });
    again.send({ type: 'measurements', seq: 1, records });
    expect(await again.next()).toMatchObject({ type: 'ack', seq: 1, duplicate: true });
    again.send({ type: 'measurements', seq: 2, records: [fcRecord(4)] });
    expect(await again.next()).toMatchObject({ type: 'ack', seq: 2, stored: 1 });
    expect(countRows(dbPath, 'measurements')).toBe(4);
    again.close();
  });

  it('rejects a batch with one invalid record, naming index and field, and writes nothing of it', async () => {
    const agent = await TestAgent.connect(collector.wsUrl, token);
    await agent.hello();
    const bad = fcRecord(4, { runtime: { meanMs: -2, medianMs: 1, stdMs: 0, n: 5 } });
    agent.send({ type: 'measurements', seq: 1, records: [fcRecord(1), fcRecord(2), fcRecord(3), bad] });
    const err = await agent.next();
    expect(err).toMatchObject({
      type: 'error',
      code: 'invalid_record',
      field: 'records[3].runtime.meanMs',
      seq: 1,
    });
    // A bad layer spec is named inside the spec.
    const badSpec = { ...fcRecord(5), spec: { kind: 'fc', units: 0, bias: true } };
    agent.send({ type: 'measurements', seq: 2, records: [badSpec] });
    expect(await agent.next()).toMatchObject({ code: 'invalid_record', field: 'records[0].spec.units' });
    // A record naming a platform the hello did not declare.
    agent.send({
      type: 'measurements',
      seq: 3,
      records: [fcRecord(1), fcRecord(2, { platform: 'cpu-0000000000000000' })],
    });
    expect(await agent.next()).toMatchObject({ code: 'unknown_platform', field: 'records[1].platform' });
    expect(countRows(dbPath, 'measurements')).toBe(0);
    expect(countRows(dbPath, 'batches')).toBe(0);
    // The connection stays usable after batch-level errors.
    agent.send({ type: 'measurements', seq: 4, records: [fcRecord(1)] });
    expect(await agent.next()).toMatchObject({ type: 'ack', seq: 4 });
    // A seq below the last committed one that was never received is refused.
    agent.send({ type: 'measurements', seq: 3, records: [fcRecord(9)] });
    expect(await agent.next()).toMatchObject({ type: 'error', code: 'seq_backwards', field: 'seq' });
    expect(countRows(dbPath, 'measurements')).toBe(1);
    agent.close();
  });

  it('closes on protocol violations and keeps serving other agents', async () => {
    const good = await TestAgent.connect(collector.wsUrl, token);
    await good.hello('good');

    const early = await TestAgent.connect(collector.wsUrl, token);
    early.send({ type: 'measurements', seq: 1, records: [fcRecord(1)] });
    expect(await early.next()).toMatchObject({ code: 'hello_required' });
    expect((await early.waitClosed()).code).toBe(1008);

    const binary = await TestAgent.connect(collector.wsUrl, token);
    binary.ws.send(Buffer.from([1, 2, 3]));
    expect(await binary.next()).toMatchObject({ code: 'binary_frame' });
    expect((await binary.waitClosed()).code).toBe(1003);

    const garbage = await TestAgent.connect(collector.wsUrl, token);
    garbage.send('{"type": "hello", ');
    expect(await garbage.next()).toMatchObject({ code: 'bad_json' });

    const version = await TestAgent.connect(collector.wsUrl, token);
    version.send({ ...hello(), protocolVersion: 99 });
    expect(await version.next()).toMatchObject({ code: 'unsupported_version', field: 'protocolVersion' });

    good.send({ type: 'measurements', seq: 1, records: [fcRecord(1)] });
    expect(await good.next()).toMatchObject({ type: 'ack', seq: 1 });
    expect(countRows(dbPath, 'measurements')).toBe(1);
    good.close();
  });

  it('closes a connection that sends a frame over maxPayload', async () => {
    await collector.close();
    ({ collector, token } = await startTestCollector(dbPath, { maxPayloadBytes: 4096 }));
    const agent = await TestAgent.connect(collector.wsUrl, token);
    await agent.hello();
    agent.send({ type: 'measurements', seq: 1, records: Array.from({ length: 20 }, (_, i) => fcRecord(i)) });
    expect((await agent.waitClosed()).code).toBe(1009);
    expect(countRows(dbPath, 'measurements')).toBe(0);
  });

  it('keeps everything acked across a restart, with integrity_check ok', async () => {
    const agent = await TestAgent.connect(collector.wsUrl, token);
    await agent.hello();
    for (let seq = 1; seq <= 5; seq++) {
      agent.send({
        type: 'measurements',
        seq,
        records: Array.from({ length: 10 }, (_, i) => fcRecord(seq * 10 + i)),
      });
    }
    for (let seq = 1; seq <= 5; seq++) expect(await agent.next()).toMatchObject({ type: 'ack', seq });
    agent.close();
    await collector.close();

    ({ collector } = await startTestCollector(dbPath));
    const again = await TestAgent.connect(collector.wsUrl, token);
    expect(await again.hello()).toMatchObject({ lastSeq: 5 });
    again.send({ type: 'measurements', seq: 5, records: [fcRecord(1)] });
    expect(await again.next()).toMatchObject({ type: 'ack', seq: 5, duplicate: true });
    again.close();
    const platforms = (await (await fetch(`${collector.url}/v1/platforms`)).json()) as {
      platforms: { measurements: number }[];
    };
    expect(platforms.platforms[0]!.measurements).toBe(50);
    expect(integrityCheck((collector.context.store as SqliteStore).db)).toBe('ok');
  });
});
