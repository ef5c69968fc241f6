// Ingest benchmark: K agents stream batches over real WebSockets to a collector in its own process,
// for a fixed time; then, in the same run, the raw batched better-sqlite3 insert rate of the same rows.
//   npx tsx scripts/bench/ingest/run.ts [--agents 50] [--seconds 10] [--batch 100] [--window 2] [--synchronous full]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
function opt(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}
const agents = Number(opt('agents', '50'));
const seconds = Number(opt('seconds', '10'));
const batch = Number(opt('batch', '100'));
const window = Number(opt('window', '2'));
const synchronous = opt('synchronous', 'full');

function tsx(script: string, scriptArgs: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', join(here, script), ...scriptArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function firstLine(child: ReturnType<typeof tsx>): Promise<string> {
  const rl = createInterface({ input: child.stdout! });
  for await (const line of rl) return line;
  throw new Error('child exited without output');
}

const dir = mkdtempSync(join(tmpdir(), 'np-bench-ingest-'));
const server = tsx('server.ts', [join(dir, 'collector.db'), synchronous]);
try {
  const { wsUrl, token } = JSON.parse(await firstLine(server)) as { wsUrl: string; token: string };
  const clients = tsx('clients.ts', [
    wsUrl,
    token,
    String(agents),
    String(seconds),
    String(batch),
    String(window),
  ]);
  const result = JSON.parse(await firstLine(clients)) as {
    acked: number;
    errors: number;
    streamingAtStart: number;
    elapsedMs: number;
    batches: number;
    ackLatencyMs: { p50: number; p99: number };
  };
  await new Promise((r) => clients.once('exit', r));
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));

  // The baseline writes as many rows as the collector acked (at least 20 batches' worth).
  const rawRows = Math.max(result.acked, batch * 20);
  const raw = JSON.parse(
    await firstLine(tsx('raw.ts', [join(dir, 'raw.db'), String(rawRows), String(batch), synchronous])),
  ) as { rows: number; elapsedMs: number };

  const ingestRate = result.acked / (result.elapsedMs / 1000);
  const rawRate = raw.rows / (raw.elapsedMs / 1000);
  const lines = [
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, synchronous=${synchronous}`,
    `ingest: ${agents} agents (${result.streamingAtStart} streaming when the window opened), batches of ${batch}, ${window} unacked batches per agent, ${seconds} s`,
    `  acked records: ${result.acked} in ${(result.elapsedMs / 1000).toFixed(2)} s → ${Math.round(ingestRate)} records/s`,
    `  ack latency per batch: p50 ${result.ackLatencyMs.p50?.toFixed(1)} ms, p99 ${result.ackLatencyMs.p99?.toFixed(1)} ms; errors ${result.errors}`,
    `raw better-sqlite3 (same rows, same schema, ${batch} rows per transaction): ${Math.round(rawRate)} records/s`,
    `ratio ingest/raw: ${((ingestRate / rawRate) * 100).toFixed(0)} %`,
    `targets: ≥ 20000 records/s → ${ingestRate >= 20_000 ? 'met' : 'NOT met'}; ≥ 50 % of raw → ${ingestRate >= rawRate / 2 ? 'met' : 'NOT met'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
