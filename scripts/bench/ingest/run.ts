// Ingest benchmark: K agents stream batches over real WebSockets to a collector in its own process,
// for a fixed time; then, in the same run, the raw batched better-sqlite3 insert rate of the same rows.
//   npx tsx scripts/bench/ingest/run.ts [--agents 50] [--seconds 10] [--batch 100] [--window 2] [--synchronous full]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
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
  const lines0 = createInterface({ input: clients.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines0.next();
    if (r.done) throw new Error('the load generator exited early');
    return r.value as string;
  };
  await next(); // window-start
  const serverCpu0 = cpuMsOf(server.pid!);
  const clientsCpu0 = cpuMsOf(clients.pid!);
  await next(); // window-end
  const serverCpuMs = cpuMsOf(server.pid!) - serverCpu0;
  const clientsCpuMs = cpuMsOf(clients.pid!) - clientsCpu0;
  const result = JSON.parse(await next()) as {
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
  ) as { rows: number; elapsedMs: number; cpuMs: number };

  const ingestRate = result.acked / (result.elapsedMs / 1000);
  const rawRate = raw.rows / (raw.elapsedMs / 1000);
  const ingestPerCpuS = result.acked / (serverCpuMs / 1000);
  const rawPerCpuS = raw.rows / (raw.cpuMs / 1000);
  const lines = [
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, synchronous=${synchronous}`,
    `ingest: ${agents} agents (${result.streamingAtStart} streaming when the window opened), batches of ${batch}, ${window} unacked batches per agent, ${seconds} s`,
    `  acked records: ${result.acked} in ${(result.elapsedMs / 1000).toFixed(2)} s → ${Math.round(ingestRate)} records/s`,
    `  ack latency per batch: p50 ${result.ackLatencyMs.p50?.toFixed(1)} ms, p99 ${result.ackLatencyMs.p99?.toFixed(1)} ms; errors ${result.errors}`,
    `  collector CPU in the window: ${(serverCpuMs / 1000).toFixed(1)} s (${((serverCpuMs / result.elapsedMs) * 100).toFixed(0)} % of a core) → ${Math.round(ingestPerCpuS)} records per CPU-second; load generator CPU ${(clientsCpuMs / 1000).toFixed(1)} s`,
    `raw better-sqlite3 (same rows, same schema, ${batch} rows per transaction): ${Math.round(rawRate)} records/s, ${Math.round(rawPerCpuS)} records per CPU-second`,
    `ratio ingest/raw: ${((ingestRate / rawRate) * 100).toFixed(0)} % wall-clock rate, ${((ingestPerCpuS / rawPerCpuS) * 100).toFixed(0)} % per CPU-second`,
    `targets: ≥ 20000 records/s → ${ingestRate >= 20_000 ? 'met' : 'NOT met'}; ≥ 50 % of raw → ${ingestRate >= rawRate / 2 ? 'met' : 'NOT met'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
