/**
 * The attacks of issue 14 against one collector child process with its default limits (except a
 * shorter --frame-timeout-s so the run stays short), with figures: RSS under attack, what the limits
 * refused, /healthz latency while a huge predict body arrives, and good agents' ack latency during
 * a heartbeat flood, against a baseline measured in the same run.
 *
 *   npx tsx scripts/reliability/attack.ts [--holders 100] [--hold-kb 1024] [--agents 10] [--seconds 8] [--json]
 *
 * Exit status 1 if the collector died or a limit did not hold.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GoodAgent } from '../../test/support/good-agent.js';
import { sleep, spawnCollector } from '../../test/support/processes.js';
import { ProtocolClient } from '../../test/support/protocol-client.js';
import { RawWebSocket } from '../../test/support/raw-http.js';
import { hello, platform } from '../../test/support/records.js';
import { createToken } from '../../test/support/store.js';
import { intFlags } from './args.js';

const { values, json } = intFlags(
  'usage: attack.ts [--holders 100] [--hold-kb 1024] [--agents 10] [--seconds 8] [--json]',
  { holders: 100, 'hold-kb': 1024, agents: 10, seconds: 8 },
);
const FRAME_TIMEOUT_S = 5;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** Good agents, one batch in flight each, for `ms`; ack latencies in ms. */
async function goodTraffic(agents: GoodAgent[], ms: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = Date.now() + ms;
  await Promise.all(
    agents.map(async (a) => {
      while (Date.now() < end) {
        const t = performance.now();
        await a.ok(5);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return latencies;
}

const dir = mkdtempSync(path.join(tmpdir(), 'np-attack-'));
const log = (line: string) => {
  if (!json) process.stdout.write(`${line}\n`);
};
const report: Record<string, unknown> = {};
let ok = true;
const dbPath = path.join(dir, 'collector.db');
const tokens = await Promise.all(Array.from({ length: 4 }, (_, i) => createToken(dbPath, `attacker-${i}`)));
const goodToken = await createToken(dbPath, 'good');
const readToken = await createToken(dbPath, 'reader', ['read']);
const collector = await spawnCollector(dbPath, 0, {
  collector: { limits: { frameAssemblyMs: FRAME_TIMEOUT_S * 1000 } },
});
try {
  const pid = collector.proc.pid;
  const agents = await Promise.all(
    Array.from({ length: values.agents }, (_, i) => GoodAgent.connect(collector.wsUrl, goodToken, 100 + i)),
  );
  await goodTraffic(agents, 1000); // warm-up
  const idleRss = rssMb(pid);

  // 1. Connections holding an unfinished message (and answering pings).
  const holders: RawWebSocket[] = [];
  let refused429 = 0;
  for (let i = 0; i < values.holders; i++) {
    try {
      const ws = await RawWebSocket.open(collector.port, tokens[i % tokens.length]!);
      ws.write(ws.frame(1, Buffer.alloc(values['hold-kb'] * 1024, 0x20), false));
      holders.push(ws);
    } catch {
      refused429++;
    }
  }
  await sleep(500);
  const heldRss = rssMb(pid);
  const t0 = Date.now();
  while (holders.some((h) => !h.closed) && Date.now() - t0 < (FRAME_TIMEOUT_S + 10) * 1000) await sleep(100);
  const dropped = holders.filter((h) => h.closed).length;
  const dropSeconds = (Date.now() - t0) / 1000;
  await sleep(1000);
  const afterRss = rssMb(pid);
  report['unfinishedFrames'] = {
    connections: holders.length,
    refusedByLimit: refused429,
    heldKiBEach: values['hold-kb'],
    rssIdleMb: idleRss,
    rssHeldMb: heldRss,
    rssAfterDropMb: afterRss,
    dropped,
    droppedWithinS: dropSeconds,
  };
  log(
    `unfinished frames: ${holders.length} connections × ${values['hold-kb']} KiB (${refused429} refused by --max-connections-per-token); ` +
      `RSS ${idleRss.toFixed(0)} → ${heldRss.toFixed(0)} MB; ${dropped} dropped within ${dropSeconds.toFixed(1)} s of the hold (--frame-timeout-s ${FRAME_TIMEOUT_S}); RSS after ${afterRss.toFixed(0)} MB`,
  );
  if (dropped !== holders.length) ok = false;
  for (const h of holders) h.destroy();

  // 2. Heartbeat flood against good agents' ack latency; baseline first, in the same run.
  const ms = values.seconds * 1000;
  const baseline = await goodTraffic(agents, ms);
  let flooding = true;
  let floodSent = 0;
  let floodCut = 0;
  const beat = JSON.stringify({ type: 'heartbeat', sentAt: new Date().toISOString() });
  const flood = (async () => {
    while (flooding) {
      const c = await ProtocolClient.connect(collector.wsUrl, tokens[0]!).catch(() => null);
      if (!c) {
        await sleep(50);
        continue;
      }
      c.sendJson(hello(`flooder-${floodCut}`));
      while (flooding && !c.closed) {
        for (let i = 0; i < 500 && !c.closed; i++) c.send(beat);
        floodSent += 500;
        await new Promise((r) => setImmediate(r));
      }
      if (c.closed) floodCut++;
      c.close();
    }
  })();
  const during = await goodTraffic(agents, ms);
  flooding = false;
  await flood;
  report['heartbeatFlood'] = {
    seconds: values.seconds,
    goodAgents: values.agents,
    floodMessagesSent: floodSent,
    floodConnectionsCut: floodCut,
    baseline: { acks: baseline.length, p50: quantile(baseline, 0.5), p99: quantile(baseline, 0.99) },
    during: { acks: during.length, p50: quantile(during, 0.5), p99: quantile(during, 0.99) },
  };
  log(
    `heartbeat flood: ${floodSent} heartbeats sent, the flooder cut ${floodCut} times; good agents' ack p50/p99 ` +
      `${quantile(baseline, 0.5).toFixed(1)}/${quantile(baseline, 0.99).toFixed(1)} ms without, ` +
      `${quantile(during, 0.5).toFixed(1)}/${quantile(during, 0.99).toFixed(1)} ms during (${baseline.length} / ${during.length} acks)`,
  );

  // 3. A 50 MB, 630k-node predict body: refused; /healthz latency meanwhile.
  const nodes = Array.from({ length: 630_000 }, (_, i) => ({
    name: `n${i}`,
    spec: { kind: 'relu' },
    parents: [i === 0 ? 'input' : `n${i - 1}`],
  }));
  const body = JSON.stringify({
    platform: platform.id,
    network: { native: { name: 'big', input: [8, 8, 8], nodes } },
  });
  const health: number[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const t = performance.now();
      await fetch(`${collector.url}/healthz`).then((r) => r.arrayBuffer());
      health.push(performance.now() - t);
      await sleep(20);
    }
  })();
  const t1 = performance.now();
  const res = await fetch(`${collector.url}/v1/predict`, {
    method: 'POST',
    headers: { authorization: `Bearer ${readToken}`, 'content-type': 'application/json' },
    body,
  });
  const answered = performance.now() - t1;
  const answer = (await res.json()) as { error?: { message: string } };
  polling = false;
  await poll;
  report['hugePredict'] = {
    bodyMb: Buffer.byteLength(body) / 1024 / 1024,
    status: res.status,
    message: answer.error?.message,
    answeredMs: answered,
    healthzMaxMs: Math.max(...health),
    healthzP50Ms: quantile(health, 0.5),
    rssMb: rssMb(pid),
  };
  log(
    `predict with ${(Buffer.byteLength(body) / 1024 / 1024).toFixed(0)} MB / 630k nodes: HTTP ${res.status} in ${answered.toFixed(0)} ms ` +
      `(${answer.error?.message}); /healthz p50 ${quantile(health, 0.5).toFixed(1)} ms, max ${Math.max(...health).toFixed(0)} ms meanwhile; RSS ${rssMb(pid).toFixed(0)} MB`,
  );
  if (res.status !== 413) ok = false;
  for (const a of agents) a.close();
  if (collector.proc.exit !== null) ok = false;
} finally {
  await collector.proc.stop();
  rmSync(dir, { recursive: true, force: true });
}
if (json) process.stdout.write(`${JSON.stringify({ ok, ...report }, null, 2)}\n`);
else log(ok ? 'all limits held' : 'A LIMIT DID NOT HOLD');
process.exit(ok ? 0 : 1);
