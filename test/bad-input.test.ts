import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServerMessage } from '@neuralpower/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoodAgent } from './support/good-agent.js';
import { type CollectorProc, spawnCollector } from './support/processes.js';
import { type Closed, ProtocolClient, upgradeRefusal } from './support/protocol-client.js';
import { hello, platform, syntheticRecord } from './support/records.js';
import { createToken, inspectStore, revokeToken } from './support/store.js';

const MAX_PAYLOAD_BYTES = 256 * 1024;
const dir = mkdtempSync(path.join(tmpdir(), 'np-bad-'));
const dbPath = path.join(dir, 'collector.db');
let collector: CollectorProc;
let token: string;
let good: GoodAgent;

beforeAll(async () => {
  token = await createToken(dbPath, 'bad-input');
  collector = await spawnCollector(dbPath, 0, { maxPayloadBytes: MAX_PAYLOAD_BYTES });
  good = await GoodAgent.connect(collector.wsUrl, token);
  await good.ok();
}, 90_000);

afterAll(async () => {
  good?.close();
  await collector?.proc.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;
const record = (i: number, patch: (r: Json) => void = () => undefined): Json => {
  const r = structuredClone(syntheticRecord(7, i)) as unknown as Json;
  patch(r);
  return r;
};
const runtime = (r: Json) => r['runtime'] as Json;
const batch = (records: unknown[], seq = 1) => JSON.stringify({ type: 'measurements', seq, records });

interface Case {
  readonly name: string;
  /** send a valid hello first (default true) */
  readonly hello?: boolean;
  readonly frame: string | Buffer;
  readonly binary?: boolean;
  /** the error the collector must answer with; absent: no error frame is expected, only the close */
  readonly code?: string;
  readonly field?: string | null;
  readonly message?: RegExp;
  /** close code expected; absent: the connection must stay open and usable */
  readonly close?: number;
}

const CASES: readonly Case[] = [
  {
    name: 'non-JSON text frame',
    frame: 'this is not json {',
    code: 'bad_json',
    close: 1008,
    message: /not valid JSON/,
  },
  {
    name: 'binary frame',
    frame: Buffer.from(batch([record(0)])),
    binary: true,
    code: 'binary_frame',
    close: 1003,
  },
  {
    name: 'oversized frame',
    frame: batch([record(0, (r) => (r['note'] = 'x'.repeat(MAX_PAYLOAD_BYTES + 1)))]),
    close: 1009,
  },
  {
    name: 'unknown message type',
    frame: JSON.stringify({ type: 'upload', seq: 1 }),
    code: 'unknown_type',
    field: 'type',
    close: 1008,
  },
  { name: 'JSON that is not an object', frame: '[1,2,3]', code: 'bad_message', close: 1008 },
  {
    name: 'unsupported protocol version',
    hello: false,
    frame: JSON.stringify({ ...hello('bad-version'), protocolVersion: 2 }),
    code: 'unsupported_version',
    field: 'protocolVersion',
    close: 1008,
  },
  {
    name: 'measurements before hello',
    hello: false,
    frame: batch([record(0)]),
    code: 'hello_required',
    close: 1008,
  },
  {
    name: 'hello whose platform id does not match its fingerprint',
    hello: false,
    frame: JSON.stringify({
      ...hello('bad-platform'),
      platforms: [{ ...platform, id: 'cpu-0000000000000000' }],
    }),
    code: 'bad_message',
    field: 'platforms[0].id',
    close: 1008,
  },
  {
    name: 'second hello on one connection',
    frame: JSON.stringify(hello('second-hello')),
    code: 'bad_message',
    close: 1008,
  },
  {
    name: 'NaN literal in a record',
    frame: batch([record(0)]).replace(/"meanMs":[0-9.e-]+/, '"meanMs":NaN'),
    code: 'bad_json',
    close: 1008,
  },
  {
    name: 'NaN serialised as null',
    frame: batch([record(0, (r) => (runtime(r)['meanMs'] = Number.NaN))]),
    code: 'invalid_record',
    field: 'records[0].runtime.meanMs',
  },
  {
    name: 'infinite runtime (1e999)',
    frame: batch([record(0)]).replace(/"meanMs":[0-9.e-]+/, '"meanMs":1e999'),
    code: 'invalid_record',
    field: 'records[0].runtime.meanMs',
  },
  {
    name: 'negative runtime',
    frame: batch([record(0, (r) => (runtime(r)['meanMs'] = -1))]),
    code: 'invalid_record',
    field: 'records[0].runtime.meanMs',
  },
  {
    name: 'negative batch size',
    frame: batch([record(0, (r) => (r['batch'] = -4))]),
    code: 'invalid_record',
    field: 'records[0].batch',
  },
  {
    name: 'negative power',
    frame: batch([record(0, (r) => ((r['power'] as Json)['meanW'] = -5))]),
    code: 'invalid_record',
  },
  {
    name: 'missing runtime',
    frame: batch([record(0, (r) => delete r['runtime'])]),
    code: 'invalid_record',
    field: 'records[0].runtime',
  },
  {
    name: 'missing platform',
    frame: batch([record(0, (r) => delete r['platform'])]),
    code: 'invalid_record',
    field: 'records[0].platform',
  },
  {
    name: 'energy without power',
    frame: batch([record(0, (r) => (r['power'] = 'unavailable'))]),
    code: 'invalid_record',
    field: 'records[0].energyMj',
  },
  {
    name: 'input shape that does not fit the layer',
    frame: batch([record(0, (r) => (r['inputs'] = [[0, 1, 3]]))]),
    code: 'invalid_record',
  },
  {
    name: 'one bad record in a batch of three: none is written',
    frame: batch([record(0), record(1), record(2, (r) => (runtime(r)['n'] = 0))]),
    code: 'invalid_record',
    field: 'records[2].runtime.n',
  },
  {
    name: 'record on a platform not declared in hello',
    frame: batch([record(0, (r) => (r['platform'] = 'cpu-00000000deadbeef'))]),
    code: 'unknown_platform',
    field: 'records[0].platform',
  },
  // Values the schema once accepted and that broke fitting or prediction (issue 14, defect 4).
  {
    name: 'runtime 1e308 ms',
    frame: batch([record(0, (r) => (runtime(r)['meanMs'] = 1e308))]),
    code: 'invalid_record',
    field: 'records[0].runtime.meanMs',
    message: /10000000/,
  },
  {
    name: 'runtime 1e-300 ms',
    frame: batch([record(0, (r) => (runtime(r)['meanMs'] = 1e-300))]),
    code: 'invalid_record',
    field: 'records[0].runtime.meanMs',
  },
  {
    name: 'endedAt before startedAt',
    frame: batch([record(0, (r) => (r['endedAt'] = '2025-01-01T00:00:00.000Z'))]),
    code: 'invalid_record',
    field: 'records[0].endedAt',
    message: /before startedAt/,
  },
  {
    name: 'batch 2^53 − 1',
    frame: batch([record(0, (r) => (r['batch'] = Number.MAX_SAFE_INTEGER))]),
    code: 'invalid_record',
    field: 'records[0].batch',
  },
  {
    name: 'input of 1e15 channels',
    frame: batch([record(0, (r) => (r['inputs'] = [[1, 1, 1e15]]))]),
    code: 'invalid_record',
    field: 'records[0].inputs[0][2]',
  },
  {
    name: 'minW above maxW (and above the mean)',
    frame: batch([record(0, (r) => Object.assign(r['power'] as Json, { minW: 500, maxW: 1 }))]),
    code: 'invalid_record',
    field: 'records[0].power.minW',
  },
  {
    name: 'power of 20 kW',
    frame: batch([record(0, (r) => ((r['power'] as Json)['meanW'] = 20_000))]),
    code: 'invalid_record',
    field: 'records[0].power.meanW',
  },
  {
    name: 'energy that is not power × runtime',
    frame: batch([record(0, (r) => (r['energyMj'] = (r['energyMj'] as number) * 10))]),
    code: 'invalid_record',
    field: 'records[0].energyMj',
  },
  {
    name: 'fc layer with 1e15 units',
    frame: batch([record(0, (r) => ((r['spec'] as Json)['units'] = 1e15))]),
    code: 'invalid_record',
    field: 'records[0].spec.units',
  },
  {
    name: 'seq above 2^40',
    frame: batch([record(0)], 2 ** 40 + 1),
    code: 'bad_message',
    field: 'seq',
    close: 1008,
  },
  {
    name: 'JSON nested 100 000 levels deep',
    frame: `{"type":"heartbeat","sentAt":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    code: 'bad_message',
    message: /nested deeper than 64 levels/,
    close: 1008,
  },
  { name: 'negative seq', frame: batch([record(0)], -1), code: 'bad_message', field: 'seq', close: 1008 },
  { name: 'empty batch', frame: batch([]), code: 'bad_message', field: 'records', close: 1008 },
];

/** Reads replies up to the close (or, for an open connection, until the heartbeat probe answers). */
async function outcome(client: ProtocolClient, expectClose: boolean): Promise<(ServerMessage | Closed)[]> {
  const seen: (ServerMessage | Closed)[] = [];
  if (!expectClose) {
    const first = await client.next();
    seen.push(first);
    // The connection must still be usable: a heartbeat is answered.
    client.sendJson({ type: 'heartbeat', sentAt: new Date().toISOString() });
    seen.push(await client.next());
    return seen;
  }
  for (;;) {
    const m = await client.next();
    seen.push(m);
    if (m.type === 'closed') return seen;
  }
}

describe('bad input: a clear error, a close where the conversation cannot go on, nothing written', () => {
  it('refuses upgrades without a token, with a wrong token and with a revoked token (401)', async () => {
    expect(await upgradeRefusal(collector.wsUrl, {})).toEqual({
      status: 401,
      body: 'missing Authorization: Bearer <token>',
    });
    expect(await upgradeRefusal(collector.wsUrl, { authorization: 'Bearer np_not-a-real-token' })).toEqual({
      status: 401,
      body: 'invalid or revoked token',
    });
    expect(await upgradeRefusal(collector.wsUrl, { authorization: 'Basic dXNlcjpwYXNz' })).toMatchObject({
      status: 401,
    });
    const revoked = await createToken(dbPath, 'soon-revoked');
    (await ProtocolClient.connect(collector.wsUrl, revoked)).close();
    expect(await revokeToken(dbPath, 'soon-revoked')).toBe(1);
    expect(await upgradeRefusal(collector.wsUrl, { authorization: `Bearer ${revoked}` })).toEqual({
      status: 401,
      body: 'invalid or revoked token',
    });
    await good.ok();
  });

  CASES.forEach((c, n) => {
    it(`${c.name}: ${c.code ?? 'no error frame'}${c.close ? `, close ${c.close}` : ', stays open'}`, async () => {
      const client = await ProtocolClient.connect(collector.wsUrl, token);
      try {
        if (c.hello !== false) {
          client.sendJson(hello(`bad-agent-${n}`));
          expect(await client.next()).toMatchObject({ type: 'welcome' });
        }
        client.send(c.frame, c.binary ?? false);
        const seen = await outcome(client, c.close !== undefined);
        const errors = seen.filter((m) => m.type === 'error');
        if (c.code) {
          expect(errors).toHaveLength(1);
          const error = errors[0]!;
          expect(error).toMatchObject({ type: 'error', code: c.code });
          if (c.field !== undefined) expect(error).toMatchObject({ field: c.field });
          if (c.message) expect(error).toMatchObject({ message: expect.stringMatching(c.message) });
          // A record error names the record and field in its message, e.g. records[2].runtime.n.
          if (error.type === 'error' && error.field?.startsWith('records['))
            expect(error.message).toContain(error.field);
        } else expect(errors).toEqual([]);
        expect(seen.some((m) => m.type === 'ack')).toBe(false);
        if (c.close) expect(seen.at(-1)).toMatchObject({ type: 'closed', code: c.close });
        else expect(seen.at(-1)).toMatchObject({ type: 'heartbeat' });
        expect(client.invalidReplies).toEqual([]);
      } finally {
        client.close();
      }
      await good.ok();
      const store = inspectStore(dbPath);
      expect(store.measurements).toBe(good.stored);
      expect([...store.perAgent.keys()]).toEqual([good.agentId]);
    });
  });

  it('seq going backwards is refused; a resent committed seq is acked as a duplicate; nothing is written twice', async () => {
    const client = await ProtocolClient.connect(collector.wsUrl, token);
    try {
      client.sendJson(hello('seq-agent'));
      expect(await client.next()).toMatchObject({ type: 'welcome', lastSeq: null });
      client.send(batch([record(100), record(101)], 10));
      expect(await client.next()).toEqual({ type: 'ack', seq: 10, stored: 2, duplicate: false });
      client.send(batch([record(102)], 5));
      const backwards = await client.next();
      expect(backwards).toMatchObject({ type: 'error', code: 'seq_backwards', field: 'seq', seq: 5 });
      expect(backwards.type === 'error' && backwards.message).toMatch(
        /seq 5 is below the last committed seq 10/,
      );
      client.send(batch([record(100), record(101)], 10));
      expect(await client.next()).toEqual({ type: 'ack', seq: 10, stored: 0, duplicate: true });
      // Still open and serving: the next seq is taken.
      client.send(batch([record(103)], 11));
      expect(await client.next()).toEqual({ type: 'ack', seq: 11, stored: 1, duplicate: false });
    } finally {
      client.close();
    }
    await good.ok();
    const store = inspectStore(dbPath);
    expect(store.perAgent.get('seq-agent')).toBe(3);
    expect(store.measurements).toBe(good.stored + 3);
    expect(store.duplicateKeys).toBe(0);
    expect(store.integrity).toBe('ok');
  });
});
