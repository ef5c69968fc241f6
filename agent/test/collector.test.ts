import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningCollector, type SqliteStore, startCollector } from '@neuralpower/collector';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../src/clock.js';
import { silentLogger } from '../src/log.js';
import { runAgent } from '../src/run.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/neuralpower.js');
const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), p));

const collectors: RunningCollector[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const c of collectors.splice(0)) await c.close();
});

async function collector(port = 0): Promise<{ c: RunningCollector; token: string; dbPath: string }> {
  const dbPath = path.join(tmp('np-agent-col-'), 'collector.sqlite');
  const c = await startCollector({ db: dbPath, port, fitEvery: 0, processMetrics: false });
  collectors.push(c);
  return { c, token: (await c.context.tokens.create(`agent-test-${collectors.length}`)).token, dbPath };
}

function rows(c: RunningCollector): { natural_key: string; agent_id: string; seq: number }[] {
  return (c.context.store as SqliteStore).db
    .prepare('SELECT natural_key, agent_id, seq FROM measurements')
    .all() as {
    natural_key: string;
    agent_id: string;
    seq: number;
  }[];
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function outboxCount(stateDir: string): number {
  const file = path.join(stateDir, 'agent.sqlite');
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM measured').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // tables not created yet
  }
}

async function eventually(check: () => boolean, tries = 1200, stepMs = 50): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (check()) return true;
    await sleep(stepMs);
  }
  return check();
}

const SWEEP_ARGS = [
  '--backend',
  'cpu',
  '--power',
  'none',
  '--kinds',
  'conv,fc,pool',
  '--count',
  '6',
  '--ranges',
  'tiny',
  '--warmup',
  '1',
  '--runs',
  '3',
  '--idle-ms',
  '0',
  // Delivery tests expect each configuration once: no drift revisits (a resumed sweep would
  // measure one of the killed process's configurations again, under the same natural key).
  '--revisit-pct',
  '0',
  // slows each configuration down so the kill lands mid-sweep
  '--cooldown-ms',
  '150',
  '--json',
];

function agentProcess(
  stateDir: string,
  url: string,
  token: string,
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string }> } {
  const child = spawn(
    process.execPath,
    [BIN, 'agent', 'sweep', '--collector', url, '--token', token, '--state-dir', stateDir, ...SWEEP_ARGS],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NEURALPOWER_LOG: 'warn' } },
  );
  children.push(child);
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on('data', () => {});
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout })),
  );
  return { child, done };
}

describe('agent against a real collector', () => {
  it('streams a sweep, drains the outbox, and a second agent skips what the collector has', async () => {
    const { c, token } = await collector();
    const common = {
      collectorUrl: c.wsUrl,
      token,
      backend: 'cpu' as const,
      power: 'none' as const,
      idleMs: 0,
      logger: silentLogger(),
      progress: false,
      timing: { warmupRuns: 1, minRuns: 3 },
      sweep: { kinds: ['conv', 'fc', 'pool'] as const, count: 3, seed: 5, preset: 'tiny' as const },
    };
    const first = await runAgent({
      ...common,
      sweep: { ...common.sweep, kinds: [...common.sweep.kinds] },
      stateDir: tmp('np-agent-a-'),
    });
    expect(first.aborted).toBe(false);
    expect(first.failed).toBe(0);
    expect(first.measured).toBe(first.planned);
    expect(first.pending).toBe(0);
    expect(first.powerSource).toBe('none');
    const stored = rows(c);
    expect(stored).toHaveLength(first.planned);
    expect(new Set(stored.map((r) => r.natural_key)).size).toBe(first.planned);

    const second = await runAgent({
      ...common,
      sweep: { ...common.sweep, kinds: [...common.sweep.kinds] },
      stateDir: tmp('np-agent-b-'),
    });
    expect(second.platform.id).toBe(first.platform.id);
    expect(second.skipped).toBe(second.planned);
    expect(second.measured).toBe(0);
    expect(rows(c)).toHaveLength(first.planned);
  });

  it('keeps records through SIGKILL while the collector is down, resumes, and delivers each exactly once', async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}`;
    const stateDir = tmp('np-agent-kill-');
    // The token must exist before the collector is up: create it on a collector we start later.
    const dbPath = path.join(tmp('np-agent-col-'), 'collector.sqlite');
    const pre = await startCollector({ db: dbPath, port: 0, fitEvery: 0, processMetrics: false });
    const token = (await pre.context.tokens.create('kill-test')).token;
    await pre.close();

    const run1 = agentProcess(stateDir, url, token);
    expect(await eventually(() => outboxCount(stateDir) >= 4)).toBe(true);
    run1.child.kill('SIGKILL');
    await run1.done;
    const before = outboxCount(stateDir);
    expect(before).toBeGreaterThanOrEqual(4);

    const c = await startCollector({ db: dbPath, port, fitEvery: 0, processMetrics: false });
    collectors.push(c);
    const run2 = agentProcess(stateDir, url, token);
    const { code, stdout } = await run2.done;
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as {
      planned: number;
      measured: number;
      skipped: number;
      pending: number;
    };
    expect(summary.pending).toBe(0);
    expect(summary.skipped).toBeGreaterThanOrEqual(before); // resumed: the first run's work is not redone
    expect(summary.measured + summary.skipped).toBe(summary.planned);
    const stored = rows(c);
    expect(stored).toHaveLength(summary.planned);
    expect(new Set(stored.map((r) => r.natural_key)).size).toBe(summary.planned);
  });

  it('is killed mid-stream while connected and still delivers each record exactly once after restart', async () => {
    const { c, token } = await collector();
    const stateDir = tmp('np-agent-kill2-');
    const run1 = agentProcess(stateDir, c.wsUrl, token);
    expect(await eventually(() => rows(c).length >= 3)).toBe(true);
    run1.child.kill('SIGKILL');
    await run1.done;
    const run2 = agentProcess(stateDir, c.wsUrl, token);
    const { code, stdout } = await run2.done;
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { planned: number; pending: number };
    expect(summary.pending).toBe(0);
    const stored = rows(c);
    expect(stored).toHaveLength(summary.planned);
    expect(new Set(stored.map((r) => r.natural_key)).size).toBe(summary.planned);
    expect(new Set(stored.map((r) => `${r.agent_id}#${r.seq}`)).size).toBeLessThanOrEqual(stored.length);
  });
});
