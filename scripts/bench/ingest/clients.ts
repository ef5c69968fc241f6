// K agents over real WebSockets, each streaming batches with a small window of unacked batches,
// for a fixed time. Prints one JSON line: acked records, elapsed time, ack latency percentiles.
import { PROTOCOL_VERSION, parseServerMessage } from '@neuralpower/protocol';
import WebSocket from 'ws';
import { benchPlatform, benchPlatformInput, benchRecord } from './records.js';

// ID_PREFIX keeps agent ids apart when several load generators share one database (replicas).
const [wsUrl, token, agentsArg, durationArg, batchArg, windowArg, idPrefix = 'bench'] = process.argv.slice(2);
const agents = Number(agentsArg);
const durationMs = Number(durationArg) * 1000;
const batchSize = Number(batchArg);
const window = Number(windowArg);

// Records are serialised once; a batch frame is a cheap concatenation, so the client side stays light.
const POOL = 4096;
const pool = Array.from({ length: POOL }, (_, i) => JSON.stringify(benchRecord(i)));

let acked = 0;
let errors = 0;
const latencies: number[] = [];
let measuring = false;
let start = 0;
/** agents that have had at least one batch acked: measuring starts when all are streaming */
let streaming = 0;
let stopping = false;
const sockets: WebSocket[] = [];

function runAgent(index: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl!, { headers: { authorization: `Bearer ${token}` } });
    let seq = 0;
    let offset = (index * 997) % POOL;
    const sentAt = new Map<number, number>();
    let firstAck = true;
    sockets.push(ws);
    const sendOne = () => {
      seq++;
      const parts: string[] = [];
      for (let i = 0; i < batchSize; i++) parts.push(pool[(offset + i) % POOL]!);
      offset = (offset + batchSize) % POOL;
      sentAt.set(seq, performance.now());
      ws.send(`{"type":"measurements","seq":${seq},"records":[${parts.join(',')}]}`);
    };
    ws.on('open', () => {
      ws.send(
        JSON.stringify({
          type: 'hello',
          protocolVersion: PROTOCOL_VERSION,
          agentId: `${idPrefix}-${index}`,
          host: 'bench',
          platforms: [
            { id: benchPlatform.id, description: benchPlatform.description, input: benchPlatformInput },
          ],
        }),
      );
    });
    ws.on('message', (data) => {
      const parsed = parseServerMessage(data.toString());
      if (!parsed.ok) throw new Error(`the collector sent an invalid message: ${parsed.error.message}`);
      const m = parsed.message;
      if (m.type === 'welcome') {
        for (let i = 0; i < window; i++) sendOne();
      } else if (m.type === 'ack') {
        const t0 = sentAt.get(m.seq);
        sentAt.delete(m.seq);
        if (firstAck) {
          firstAck = false;
          streaming++;
        }
        if (measuring) {
          acked += m.stored;
          if (t0 !== undefined) latencies.push(performance.now() - t0);
        }
        if (!stopping) sendOne();
        else if (sentAt.size === 0) {
          ws.close();
        }
      } else if (m.type === 'error') {
        errors++;
        process.stderr.write(`agent ${index}: ${m.code} ${m.message}\n`);
      }
    });
    ws.on('close', () => resolve());
    ws.on('error', (err) => {
      errors++;
      process.stderr.write(`agent ${index}: ${err.message}\n`);
      resolve();
    });
  });
}

const all = Array.from({ length: agents }, (_, i) => runAgent(i));
// Warm-up: connections, hellos, JIT. The measured window starts once every agent is streaming
// (bounded: after 60 s it starts anyway and the report says how many were streaming).
for (let i = 0; i < 600 && streaming < agents; i++) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 500));
const streamingAtStart = streaming;
// The orchestrator reads the collector's CPU time at these two marks.
process.stdout.write('{"event":"window-start"}\n');
measuring = true;
start = performance.now();
await new Promise((r) => setTimeout(r, durationMs));
measuring = false;
const elapsedMs = performance.now() - start;
process.stdout.write('{"event":"window-end"}\n');
stopping = true;
// Agents stop after their in-flight batches are acked; closing waits at most 30 s.
const closer = setInterval(() => {
  for (const ws of sockets) if (ws.readyState === ws.OPEN && ws.bufferedAmount === 0) ws.close();
}, 30_000);
closer.unref();
for (const ws of sockets) if (ws.readyState !== ws.OPEN && ws.readyState !== ws.CLOSED) ws.terminate();
await Promise.all(all);
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? null;
process.stdout.write(
  `${JSON.stringify({
    acked,
    errors,
    elapsedMs,
    streamingAtStart,
    ackLatencyMs: { p50: q(0.5), p99: q(0.99) },
    batches: latencies.length,
    // every batch's ack latency (ms, 0.01 ms steps): the orchestrator merges several generators
    latenciesMs: latencies.map((l) => Math.round(l * 100) / 100),
  })}\n`,
);
