import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sleep } from '../src/clock.js';
import { Outbox } from '../src/outbox/outbox.js';
import { backoffDelayMs } from '../src/stream/backoff.js';
import { agentsUrl, CollectorStream } from '../src/stream/client.js';
import { FakeCollector } from './helpers/fake-collector.js';
import { layerRecord, testPlatform } from './helpers/records.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'np-outbox-'));
const hello = { agentId: 'test/agent', host: 'test', platforms: [testPlatform] };

async function eventually(check: () => boolean, tries = 400, stepMs = 25): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (check()) return true;
    await sleep(stepMs);
  }
  return check();
}

describe('outbox', () => {
  it('keeps a formed batch (same seq, same records) until it is acked, across a reopen', () => {
    const dir = tmp();
    const box = new Outbox(dir);
    for (let i = 0; i < 5; i++) box.add(layerRecord(i).record, layerRecord(i).key);
    const first = box.nextBatch(3)!;
    expect(first.seq).toBe(1);
    expect(first.records).toHaveLength(3);
    box.add(layerRecord(5).record, layerRecord(5).key);
    expect(box.nextBatch(3)).toEqual(first); // a resend is the same batch
    box.close();

    const again = new Outbox(dir);
    expect(again.nextBatch(3)).toEqual(first);
    expect(again.ack(first.seq)).toBe(3);
    const second = again.nextBatch(10)!;
    expect(second.seq).toBe(2);
    expect(second.records).toHaveLength(3);
    expect(again.pendingCount()).toBe(3);
    expect(again.hasMeasured(layerRecord(0).key)).toBe(true);
    expect(again.hasMeasured('nope')).toBe(false);
    again.close();
  });

  it('moves past a collector high mark, renumbers and sets refused records aside', () => {
    const box = new Outbox(tmp());
    box.observeLastSeq(41);
    box.add(layerRecord(0).record, layerRecord(0).key);
    const b = box.nextBatch(10)!;
    expect(b.seq).toBe(42);
    expect(box.renumber(42)).toBe(43);
    expect(box.nextBatch(10)!.seq).toBe(43);
    expect(box.reject(43, 'invalid_record: records[0].batch')).toBe(1);
    expect(box.pendingCount()).toBe(0);
    expect(box.rejectedCount()).toBe(1);
    box.close();
  });

  it('remembers its agent id and an unfinished sweep', () => {
    const dir = tmp();
    const box = new Outbox(dir);
    expect(box.agentId(() => 'host/abc')).toBe('host/abc');
    box.saveSweep('sweep-1', '{"count":1}', 4);
    box.close();
    const again = new Outbox(dir);
    expect(again.agentId(() => 'host/other')).toBe('host/abc');
    expect(again.unfinishedSweep()).toEqual({
      id: 'sweep-1',
      options: '{"count":1}',
      total: 4,
      finished: false,
    });
    again.finishSweep('sweep-1');
    expect(again.unfinishedSweep()).toBeUndefined();
    again.close();
  });
});

describe('collector stream', () => {
  it('adds the agents path and maps http to ws', () => {
    expect(agentsUrl('ws://h:7070')).toBe('ws://h:7070/v1/agents');
    expect(agentsUrl('http://h:7070/')).toBe('ws://h:7070/v1/agents');
    expect(agentsUrl('wss://h/custom')).toBe('wss://h/custom');
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelayMs(0, 100, 5000, () => 1)).toBe(100);
    expect(backoffDelayMs(3, 100, 5000, () => 1)).toBe(800);
    expect(backoffDelayMs(20, 100, 5000, () => 1)).toBe(5000);
    expect(backoffDelayMs(3, 100, 5000, () => 0)).toBe(0);
  });

  it('sends every record exactly once and empties the outbox only on acks', async () => {
    const server = await FakeCollector.start();
    const box = new Outbox(tmp());
    for (let i = 0; i < 25; i++) box.add(layerRecord(i).record, layerRecord(i).key);
    const stream = new CollectorStream({
      url: server.url,
      token: 'secret',
      hello,
      outbox: box,
      batchSize: 10,
    });
    stream.start();
    expect(await stream.drain(20_000)).toBe(true);
    expect(server.received).toEqual([1, 2, 3]);
    expect(server.records()).toHaveLength(25);
    // More records later go out too (notify wakes the idle connection).
    box.add(layerRecord(30).record, layerRecord(30).key);
    stream.notify();
    expect(await stream.drain(20_000)).toBe(true);
    expect(server.records()).toHaveLength(26);
    await stream.stop();
    box.close();
    await server.close();
  });

  it('resends a batch whose ack was lost; the collector sees the same seq and stores it once', async () => {
    const server = await FakeCollector.start();
    server.dropBeforeAck(2);
    const box = new Outbox(tmp());
    for (let i = 0; i < 12; i++) box.add(layerRecord(i).record, layerRecord(i).key);
    const stream = new CollectorStream({
      url: server.url,
      token: 'secret',
      hello,
      outbox: box,
      batchSize: 5,
      initialBackoffMs: 10,
      maxBackoffMs: 50,
    });
    stream.start();
    expect(await stream.drain(20_000)).toBe(true);
    expect(server.received.slice(0, 3)).toEqual([1, 1, 1]);
    expect([...server.batches.keys()]).toEqual([1, 2, 3]);
    expect(server.records()).toHaveLength(12);
    expect(stream.duplicates).toBeGreaterThanOrEqual(1);
    expect(server.hellos).toBe(3);
    await stream.stop();
    box.close();
    await server.close();
  });

  it('keeps retrying while the collector is down and delivers once it starts', async () => {
    const probe = await FakeCollector.start();
    const port = probe.port;
    await probe.close();
    const box = new Outbox(tmp());
    for (let i = 0; i < 3; i++) box.add(layerRecord(i).record, layerRecord(i).key);
    const stream = new CollectorStream({
      url: `ws://127.0.0.1:${port}`,
      token: 'secret',
      hello,
      outbox: box,
      initialBackoffMs: 10,
      maxBackoffMs: 100,
    });
    stream.start();
    await sleep(300);
    expect(box.pendingCount()).toBe(3);
    const server = await FakeCollector.start('secret', port);
    expect(await stream.drain(20_000)).toBe(true);
    expect(server.records()).toHaveLength(3);
    await stream.stop();
    box.close();
    await server.close();
  });

  it('stops with a clear error on a refused token and keeps the records', async () => {
    const server = await FakeCollector.start('right');
    const box = new Outbox(tmp());
    box.add(layerRecord(0).record, layerRecord(0).key);
    const stream = new CollectorStream({ url: server.url, token: 'wrong', hello, outbox: box });
    stream.start();
    expect(await eventually(() => stream.fatalError !== undefined)).toBe(true);
    expect(stream.fatalError!.message).toMatch(/refused the token \(HTTP 401\)/);
    expect(await stream.drain(1000)).toBe(false);
    expect(box.pendingCount()).toBe(1);
    await stream.stop();
    box.close();
    await server.close();
  });
});
