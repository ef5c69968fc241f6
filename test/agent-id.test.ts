import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MAX_SEQ, parseClientMessage } from '@neuralpower/protocol';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { agentState, agentSweepArgs, parseSummary, spawnAgent } from './support/agent-cli.js';
import { type Proc, sleep, spawnCollector, waitUntil } from './support/processes.js';
import { ProtocolClient } from './support/protocol-client.js';
import { hello, syntheticRecord } from './support/records.js';
import { createToken, inspectStore } from './support/store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'np-agent-id-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readOne<T>(dbPath: string, sql: string, ...params: unknown[]): T | undefined {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    return db
      .prepare(sql)
      .pluck()
      .get(...params) as T | undefined;
  } finally {
    db.close();
  }
}

describe('an agent id belongs to the token that first registered it', () => {
  it('a second token claiming a streaming agent’s id is refused; the victim keeps streaming', async () => {
    const dbPath = path.join(dir, 'hijack.db');
    const victimToken = await createToken(dbPath, 'victim');
    const intruderToken = await createToken(dbPath, 'intruder');
    const collector = await spawnCollector(dbPath);
    const stateDir = path.join(dir, 'victim');
    const victim = spawnAgent(
      agentSweepArgs(
        collector.port,
        victimToken,
        stateDir,
        { kinds: 'fc,pool', count: 5, seed: 21, cooldownMs: 200 },
        true,
      ),
    );
    try {
      // The victim's id is public (GET /v1/platforms/:id lists agents); here it is read from the file.
      const victimId = await waitUntil(
        () => (existsSync(dbPath) ? readOne<string>(dbPath, 'SELECT id FROM agents LIMIT 1') : undefined),
        120_000,
        'the victim said hello',
        100,
      );
      const intruder = await ProtocolClient.connect(collector.wsUrl, intruderToken);
      intruder.sendJson(hello(victimId));
      expect(await intruder.next()).toMatchObject({
        type: 'error',
        code: 'agent_id_taken',
        field: 'agentId',
      });
      expect(await intruder.waitClosed()).toMatchObject({ code: 1008 });

      // Its own id works, but a seq beyond MAX_SEQ (the old 2^53 − 1 trick) is refused.
      const own = await ProtocolClient.connect(collector.wsUrl, intruderToken);
      own.sendJson(hello('intruder/own'));
      expect(await own.next()).toMatchObject({ type: 'welcome', lastSeq: null });
      own.sendJson({ type: 'measurements', seq: Number.MAX_SAFE_INTEGER, records: [syntheticRecord(3, 0)] });
      expect(await own.next()).toMatchObject({ type: 'error', code: 'bad_message', field: 'seq' });
      own.close();

      const exit = await victim.exited;
      expect(exit, victim.tail()).toEqual({ code: 0, signal: null });
      const summary = parseSummary(victim);
      expect(summary).toMatchObject({ failed: 0, pending: 0, rejected: 0, aborted: false });
      expect(victim.count(/renumbered/g)).toBe(0);
      const store = inspectStore(dbPath);
      expect(store.perAgent.get(victimId)).toBe(summary.planned);
      expect(store.agents).toEqual(['intruder/own', victimId].sort());
      expect(store.perAgent.get('intruder/own')).toBeUndefined();
      expect(store.measurements).toBe(summary.planned);
      // The binding did not move to the intruder's token.
      const boundTo = readOne<string>(
        dbPath,
        'SELECT t.name FROM agents a JOIN tokens t ON t.id = a.token_id WHERE a.id = ?',
        victimId,
      );
      expect(boundTo).toBe('victim');
    } finally {
      await victim.kill();
      await collector.proc.stop();
    }
  }, 240_000);
});

/**
 * A collector stand-in that answers as a compromised or broken one would, counting what the agent
 * does: how often it connects and how many batches it sends.
 */
async function hostileCollector(
  token: string,
  answer: 'absurd-welcome' | 'always-backwards',
): Promise<{ url: string; hellos: number; batches: number; close(): Promise<void> }> {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    verifyClient: (info, cb) => cb(info.req.headers.authorization === `Bearer ${token}`, 401),
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const state = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    hellos: 0,
    batches: 0,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const parsed = parseClientMessage(data.toString());
      if (!parsed.ok) return;
      const m = parsed.message;
      if (m.type === 'hello') {
        state.hellos++;
        const lastSeq = answer === 'absurd-welcome' ? Number.MAX_SAFE_INTEGER : null;
        ws.send(
          JSON.stringify({
            type: 'welcome',
            protocolVersion: 1,
            agentId: m.agentId,
            lastSeq,
            serverTime: new Date().toISOString(),
          }),
        );
      } else if (m.type === 'measurements') {
        state.batches++;
        ws.send(
          JSON.stringify({
            type: 'error',
            code: 'seq_backwards',
            message: `seq ${m.seq} is below the last committed seq ${MAX_SEQ - 1}`,
            field: 'seq',
            seq: m.seq,
          }),
        );
      }
    });
  });
  return state;
}

function nextSeq(stateDir: string): number {
  return Number(
    readOne<string>(path.join(stateDir, 'agent.sqlite'), "SELECT v FROM meta WHERE k = 'next_seq'"),
  );
}

/** Runs a one-configuration sweep against `url` and watches it for `watchMs` once the record is in the outbox. */
async function watchAgent(
  url: string,
  token: string,
  stateDir: string,
  watchMs: number,
): Promise<{ agent: Proc; seqBefore: number; seqAfter: number }> {
  const port = Number(new URL(url).port);
  const agent = spawnAgent(agentSweepArgs(port, token, stateDir, { kinds: 'fc', count: 1, seed: 2 }, true));
  const finished = () => {
    try {
      return agentState(stateDir).sweepFinished ? true : undefined;
    } catch {
      return undefined; // the agent is still creating its state dir
    }
  };
  await waitUntil(finished, 120_000, 'the sweep finished', 100);
  const seqBefore = nextSeq(stateDir);
  await sleep(watchMs);
  const seqAfter = nextSeq(stateDir);
  return { agent, seqBefore, seqAfter };
}

describe('an agent refuses a collector state it cannot continue from, without spinning', () => {
  const WATCH_MS = 6000;

  it('welcome with lastSeq 2^53 − 1: a clear error, backoff, no renumbering, records kept', async () => {
    const hostile = await hostileCollector('np_t', 'absurd-welcome');
    const stateDir = path.join(dir, 'absurd');
    const { agent, seqBefore, seqAfter } = await watchAgent(hostile.url, 'np_t', stateDir, WATCH_MS);
    try {
      expect(agent.exit).toBeNull();
      expect(hostile.batches).toBe(0);
      expect(seqAfter).toBe(seqBefore);
      expect(seqAfter).toBeLessThanOrEqual(MAX_SEQ);
      // Reconnects back off: a handful over the window, not hundreds.
      expect(hostile.hellos).toBeGreaterThanOrEqual(1);
      expect(hostile.hellos).toBeLessThanOrEqual(25);
      await agent.waitFor(/at or above the protocol's largest seq/, 10_000, 'the error is logged');
      expect(agentState(stateDir).pending).toBe(1);
      // SIGTERM still ends it while it waits to reconnect.
      const started = Date.now();
      const exit = await agent.stop(20_000);
      expect(exit.signal).toBeNull();
      expect(exit.code).toBe(130);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(parseSummary(agent)).toMatchObject({ pending: 1, aborted: true });
    } finally {
      await agent.kill();
      await hostile.close();
    }
  }, 180_000);

  it('seq_backwards on every batch: one renumber per connection, then backoff', async () => {
    const hostile = await hostileCollector('np_t', 'always-backwards');
    const stateDir = path.join(dir, 'backwards');
    const { agent, seqBefore, seqAfter } = await watchAgent(hostile.url, 'np_t', stateDir, WATCH_MS);
    try {
      expect(agent.exit).toBeNull();
      // The old agent renumbered ~1000 times a second (an fsync each) on one connection.
      expect(hostile.batches).toBeLessThanOrEqual(2 * hostile.hellos);
      expect(hostile.hellos).toBeLessThanOrEqual(25);
      expect(seqAfter - seqBefore).toBeLessThanOrEqual(hostile.hellos);
      await agent.waitFor(/another sender is using agent id/, 10_000, 'the error is logged');
      expect(agentState(stateDir).pending).toBe(1);
    } finally {
      await agent.stop(20_000);
      await hostile.close();
    }
  }, 180_000);
});
