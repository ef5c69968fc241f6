// Ingest benchmark: K agents stream batches over real WebSockets to a collector in its own process,
// for a fixed time; then, in the same run, the raw batched better-sqlite3 insert rate of the same rows.
//   npx tsx scripts/bench/ingest/run.ts [--agents 50] [--seconds 10] [--batch 100] [--window 2] [--synchronous full]
//     [--db postgres://…] [--replicas 2] [--json]
// --db: the store (default a fresh SQLite file); --replicas N: N collector processes on that one
// database, the agents split evenly across them (one load generator each). The raw SQLite baseline
// runs only for SQLite. --json prints one JSON object instead of the report.
import { type ChildProcess, spawn } from 'node:child_process';
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
const replicas = Number(opt('replicas', '1'));
const json = args.includes('--json');

function tsx(script: string, scriptArgs: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', join(here, script), ...scriptArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Lines of a child's stdout, one at a time. */
function lineReader(child: ChildProcess): () => Promise<string> {
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return async () => {
    const r = await lines.next();
    if (r.done) throw new Error('a benchmark process exited early');
    return r.value as string;
  };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface ClientResult {
  acked: number;
  errors: number;
  streamingAtStart: number;
  elapsedMs: number;
  latenciesMs: number[];
}

const dir = mkdtempSync(join(tmpdir(), 'np-bench-ingest-'));
const locator = opt('db', join(dir, 'collector.db'));
const sqlite = !/^postgres(ql)?:\/\//i.test(locator);
if (sqlite && replicas !== 1)
  throw new Error('--replicas needs a postgres:// --db: SQLite has one collector per file');
const servers: ChildProcess[] = [];
try {
  for (let r = 0; r < replicas; r++) servers.push(tsx('server.ts', [locator, synchronous]));
  const endpoints = (await Promise.all(servers.map((s) => lineReader(s)()))).map(
    (line) => JSON.parse(line) as { wsUrl: string; token: string },
  );
  const clients = endpoints.map((e, r) => {
    const share = Math.floor(agents / replicas) + (r < agents % replicas ? 1 : 0);
    return tsx('clients.ts', [
      e.wsUrl,
      e.token,
      String(share),
      String(seconds),
      String(batch),
      String(window),
      `bench-r${r}`,
    ]);
  });
  const readers = clients.map(lineReader);
  await Promise.all(readers.map((next) => next())); // window-start
  const serverCpu0 = servers.map((s) => cpuMsOf(s.pid!));
  await Promise.all(readers.map((next) => next())); // window-end
  const serverCpuMs = servers.reduce((sum, s, r) => sum + cpuMsOf(s.pid!) - serverCpu0[r]!, 0);
  const results = (await Promise.all(readers.map((next) => next()))).map(
    (l) => JSON.parse(l) as ClientResult,
  );
  await Promise.all(
    clients.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)))),
  );
  for (const s of servers) s.kill('SIGTERM');
  await Promise.all(
    servers.map((s) => new Promise((r) => (s.exitCode === null ? s.once('exit', r) : r(null)))),
  );

  const acked = results.reduce((n, r) => n + r.acked, 0);
  const elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
  const errors = results.reduce((n, r) => n + r.errors, 0);
  const streamingAtStart = results.reduce((n, r) => n + r.streamingAtStart, 0);
  const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  const ingestRate = acked / (elapsedMs / 1000);
  const ingestPerCpuS = acked / (serverCpuMs / 1000);

  // The baseline writes as many rows as the collector acked (at least 20 batches' worth).
  let raw: { rate: number; perCpuS: number } | null = null;
  if (sqlite) {
    const rawRows = Math.max(acked, batch * 20);
    const r = JSON.parse(
      await lineReader(tsx('raw.ts', [join(dir, 'raw.db'), String(rawRows), String(batch), synchronous]))(),
    ) as { rows: number; elapsedMs: number; cpuMs: number };
    raw = { rate: r.rows / (r.elapsedMs / 1000), perCpuS: r.rows / (r.cpuMs / 1000) };
  }

  const store = sqlite
    ? `SQLite (synchronous=${synchronous})`
    : `PostgreSQL, ${replicas} replica${replicas > 1 ? 's' : ''}`;
  if (json) {
    process.stdout.write(
      `${JSON.stringify({
        store,
        agents,
        replicas,
        batch,
        window,
        seconds,
        acked,
        elapsedMs,
        recordsPerS: ingestRate,
        ackLatencyMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99) },
        errors,
        streamingAtStart,
        collectorCpuMs: serverCpuMs,
        recordsPerCpuS: ingestPerCpuS,
        raw,
      })}\n`,
    );
  } else {
    const lines = [
      `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}; store: ${store}`,
      `ingest: ${agents} agents (${streamingAtStart} streaming when the window opened), batches of ${batch}, ${window} unacked batches per agent, ${seconds} s`,
      `  acked records: ${acked} in ${(elapsedMs / 1000).toFixed(2)} s → ${Math.round(ingestRate)} records/s`,
      `  ack latency per batch: p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms; errors ${errors}`,
      `  collector CPU in the window (all replicas): ${(serverCpuMs / 1000).toFixed(1)} s (${((serverCpuMs / elapsedMs) * 100).toFixed(0)} % of a core) → ${Math.round(ingestPerCpuS)} records per CPU-second`,
    ];
    if (raw) {
      lines.push(
        `raw better-sqlite3 (same rows, same schema, ${batch} rows per transaction): ${Math.round(raw.rate)} records/s, ${Math.round(raw.perCpuS)} records per CPU-second`,
        `ratio ingest/raw: ${((ingestRate / raw.rate) * 100).toFixed(0)} % wall-clock rate, ${((ingestPerCpuS / raw.perCpuS) * 100).toFixed(0)} % per CPU-second`,
        `targets: ≥ 20000 records/s → ${ingestRate >= 20_000 ? 'met' : 'NOT met'}; ≥ 50 % of raw → ${ingestRate >= raw.rate / 2 ? 'met' : 'NOT met'}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} finally {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
