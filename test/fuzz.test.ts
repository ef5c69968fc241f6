import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { FATAL_CODES, fuzzFrame } from './support/fuzz.js';
import { GoodAgent } from './support/good-agent.js';
import { spawnCollector } from './support/processes.js';
import { ProtocolClient } from './support/protocol-client.js';
import { hello } from './support/records.js';
import { Rng } from './support/rng.js';
import { createToken, inspectStore } from './support/store.js';

const WORKERS = 4;
const FRAMES_PER_WORKER = 300;
const SEED = 6;
const dir = mkdtempSync(path.join(tmpdir(), 'np-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface WorkerResult {
  answered: number;
  redrawn: number;
  outcomes: Map<string, number>;
  violations: string[];
}

/** One fuzzing connection after another: each frame must be answered by an error or a close. */
async function fuzzWorker(wsUrl: string, token: string, seed: number, frames: number): Promise<WorkerResult> {
  const rng = new Rng(seed);
  const result: WorkerResult = { answered: 0, redrawn: 0, outcomes: new Map(), violations: [] };
  const tally = (k: string) => result.outcomes.set(k, (result.outcomes.get(k) ?? 0) + 1);
  let client: ProtocolClient | null = null;
  let helloed = false;
  try {
    for (let i = 0; i < frames; i++) {
      const frame = fuzzFrame(rng);
      result.redrawn += frame.redrawn;
      if (client && (client.closed || (frame.beforeHello && helloed))) {
        client.close();
        client = null;
      }
      if (!client) {
        client = await ProtocolClient.connect(wsUrl, token);
        helloed = false;
      }
      if (!frame.beforeHello && !helloed) {
        client.sendJson(hello('fuzzer'));
        const welcome = await client.next();
        if (welcome.type !== 'welcome') throw new Error(`seed ${seed} frame ${i}: no welcome`);
        helloed = true;
      }
      client.send(frame.data, frame.binary);
      const reply = await client.next(30_000);
      const shown = () => `seed ${seed} frame ${i} (${frame.kind}): ${String(frame.data).slice(0, 200)}`;
      if (reply.type === 'closed') {
        tally(`close ${reply.code}`);
        result.answered++;
      } else if (reply.type === 'error') {
        tally(reply.code);
        result.answered++;
        if (reply.code === 'internal')
          result.violations.push(`internal error on ${shown()}: ${reply.message}`);
        if (FATAL_CODES.has(reply.code)) tally(`close ${(await client.waitClosed(30_000)).code}`);
      } else result.violations.push(`accepted ${shown()}: ${JSON.stringify(reply)}`);
      if (client.invalidReplies.length > 0) result.violations.push(`invalid reply to ${shown()}`);
    }
  } finally {
    client?.close();
  }
  return result;
}

it(`${WORKERS * FRAMES_PER_WORKER} random and mutated frames: 0 crashes, 0 rows written, every frame answered`, async () => {
  const dbPath = path.join(dir, 'collector.db');
  const token = await createToken(dbPath, 'fuzz');
  const collector = await spawnCollector(dbPath, 0);
  const good = await GoodAgent.connect(collector.wsUrl, token);
  let fuzzing = true;
  // The collector keeps serving a good agent throughout.
  const goodLoop = (async () => {
    while (fuzzing) {
      await good.ok();
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const results = await Promise.all(
    Array.from({ length: WORKERS }, (_, w) =>
      fuzzWorker(collector.wsUrl, token, SEED * 1000 + w, FRAMES_PER_WORKER),
    ),
  ).finally(() => {
    fuzzing = false;
  });
  await goodLoop;
  await good.ok();

  const outcomes = new Map<string, number>();
  for (const r of results) for (const [k, n] of r.outcomes) outcomes.set(k, (outcomes.get(k) ?? 0) + n);
  const answered = results.reduce((s, r) => s + r.answered, 0);
  console.log(
    `fuzz: ${answered} frames answered (seed ${SEED}, ${results.reduce((s, r) => s + r.redrawn, 0)} valid draws replaced); ` +
      `good agent: ${good.stored} records acked; outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`,
  );
  expect(results.flatMap((r) => r.violations)).toEqual([]);
  expect(answered).toBe(WORKERS * FRAMES_PER_WORKER);
  expect(collector.proc.exit).toBeNull();
  expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  await collector.proc.stop();
  expect(collector.proc.exit).toEqual({ code: 0, signal: null });
  const store = inspectStore(dbPath);
  expect(store.integrity).toBe('ok');
  expect(store.measurements).toBe(good.stored);
  expect([...store.perAgent.keys()]).toEqual([good.agentId]);
  expect(store.agents).toEqual(['fuzzer', good.agentId].sort());
}, 240_000);
