// Store benchmark: the same ingest load (50 agents over real WebSockets) on SQLite, on PostgreSQL
// with one collector, and on PostgreSQL with two replicas, then POST /v1/predict latency from a
// SQLite collector and from a PostgreSQL replica — all in one run, so the ratios compare like with
// like on whatever else the machine is doing. PostgreSQL is a throwaway local cluster (initdb,
// loopback TCP) with its durability settings ON (fsync, synchronous_commit), as SQLite's
// synchronous=full is.
//   npx tsx scripts/bench/store/run.ts [--agents 50] [--seconds 10] [--requests 1000]
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../../../test/support/postgres.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const agents = opt('agents', '50');
const seconds = opt('seconds', '10');
const requests = opt('requests', '1000');

/** Runs a benchmark script with --json and returns its last stdout line, parsed. */
function runJson<T>(script: string, scriptArgs: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, '..', script), ...scriptArgs, '--json'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`${script} exited ${code}`));
      else resolve(JSON.parse(last) as T);
    });
  });
}

interface Ingest {
  store: string;
  recordsPerS: number;
  ackLatencyMs: { p50: number; p90: number; p99: number };
  errors: number;
  collectorCpuMs: number;
  recordsPerCpuS: number;
}
interface Predict {
  repeatedMs: { p50: number; p99: number };
  coldMs: { p50: number; p99: number };
}

const cluster = await startPostgres({ durable: true });
try {
  const ingestArgs = ['--agents', agents, '--seconds', seconds];
  const ingest: Ingest[] = [];
  ingest.push(await runJson<Ingest>('ingest/run.ts', ingestArgs));
  ingest.push(
    await runJson<Ingest>('ingest/run.ts', [
      ...ingestArgs,
      '--db',
      await cluster.createDatabase('ingest_one'),
    ]),
  );
  ingest.push(
    await runJson<Ingest>('ingest/run.ts', [
      ...ingestArgs,
      '--db',
      await cluster.createDatabase('ingest_two'),
      '--replicas',
      '2',
    ]),
  );
  const predictSqlite = await runJson<Predict>('predict/run.ts', ['--requests', requests]);
  const predictPg = await runJson<Predict>('predict/run.ts', [
    '--requests',
    requests,
    '--db',
    await cluster.createDatabase('predict'),
  ]);

  const base = ingest[0]!;
  const lines = [
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}; PostgreSQL local, fsync on`,
    `ingest, ${agents} agents, ${seconds} s each (batches of 100, 2 unacked per agent):`,
    ...ingest.map(
      (r) =>
        `  ${r.store.padEnd(28)} ${String(Math.round(r.recordsPerS)).padStart(7)} records/s (${((r.recordsPerS / base.recordsPerS) * 100).toFixed(0).padStart(3)} % of SQLite)` +
        `  ack p50 ${r.ackLatencyMs.p50.toFixed(1)} ms, p99 ${r.ackLatencyMs.p99.toFixed(1)} ms` +
        `  collector CPU ${(r.collectorCpuMs / 1000).toFixed(1)} s, ${Math.round(r.recordsPerCpuS)} records/CPU-s; errors ${r.errors}`,
    ),
    `POST /v1/predict VGG-16 (${requests} sequential requests):`,
    ...(
      [
        ['SQLite', predictSqlite],
        ['PostgreSQL replica', predictPg],
      ] as const
    ).map(
      ([name, p]) =>
        `  ${name.padEnd(28)} repeated p50 ${p.repeatedMs.p50.toFixed(2)} ms, p99 ${p.repeatedMs.p99.toFixed(2)} ms; ` +
        `cold p50 ${p.coldMs.p50.toFixed(2)} ms, p99 ${p.coldMs.p99.toFixed(2)} ms`,
    ),
    `  PostgreSQL / SQLite p99: repeated ×${(predictPg.repeatedMs.p99 / predictSqlite.repeatedMs.p99).toFixed(2)}, cold ×${(predictPg.coldMs.p99 / predictSqlite.coldMs.p99).toFixed(2)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await cluster.stop();
}
