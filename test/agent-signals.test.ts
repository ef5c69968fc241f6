import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { agentBaseArgs, agentState, parseSummary, spawnAgent } from './support/agent-cli.js';
import { freePort, type Proc, sleep, waitUntil } from './support/processes.js';

const dir = mkdtempSync(path.join(tmpdir(), 'np-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resident memory of a live process, from /proc (Linux). */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** A cheap CPU sweep streaming to a port nobody listens on: records wait in the outbox. */
async function sweep(name: string, kinds: string, count: string): Promise<{ agent: Proc; stateDir: string }> {
  const stateDir = path.join(dir, name);
  const port = await freePort();
  const agent = spawnAgent([
    'agent',
    'sweep',
    ...agentBaseArgs(port, 'np_unused', stateDir, { backend: 'cpu' }),
    '--kinds',
    kinds,
    '--count',
    count,
    '--json',
  ]);
  return { agent, stateDir };
}

function outboxRecords(stateDir: string): number {
  try {
    return agentState(stateDir).pending;
  } catch {
    return 0; // not created yet
  }
}

function sweepFinished(stateDir: string): boolean {
  try {
    return agentState(stateDir).sweepFinished === true;
  } catch {
    return false;
  }
}

async function terminate(agent: Proc): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  agent.signal('SIGTERM');
  const exit = await Promise.race([agent.exited, sleep(20_000).then(() => null)]);
  const ms = Date.now() - started;
  if (exit === null) {
    await agent.kill();
    throw new Error(`the agent ignored SIGTERM for 20 s\n${agent.tail()}`);
  }
  return { code: exit.code, ms };
}

it('--count 1e9 is refused at once with the bound, before anything runs', async () => {
  const { agent } = await sweep('huge', 'conv,fc,pool', '1e9');
  const exit = await agent.exited;
  expect(exit.code).toBe(1);
  expect(agent.stderr).toContain('--count must be a whole number from 0 to 100000 (got 1000000000)');
}, 60_000);

it('the largest --count: memory stays bounded and SIGTERM ends it while benchmarking', async () => {
  const { agent, stateDir } = await sweep('largest', 'conv,fc,pool,dwconv,batchnorm', '100000');
  try {
    await waitUntil(
      () => (outboxRecords(stateDir) >= 1 ? true : undefined),
      120_000,
      'a record measured',
      100,
    );
    await sleep(2000);
    // 500 000 configurations planned eagerly took 1.4 GB within seconds; drawn lazily, nothing.
    const rss = rssMiB(agent.pid);
    expect(rss).toBeLessThan(600);
    const { code, ms } = await terminate(agent);
    expect(code, agent.tail()).toBe(130);
    expect(ms).toBeLessThan(15_000);
    expect(parseSummary(agent)).toMatchObject({ aborted: true, planned: 500_000 });
  } finally {
    await agent.kill();
  }
}, 180_000);

it('SIGTERM ends it while it waits to drain the outbox to an absent collector', async () => {
  const { agent, stateDir } = await sweep('draining', 'fc', '2');
  try {
    await waitUntil(() => (sweepFinished(stateDir) ? true : undefined), 120_000, 'the sweep finished', 100);
    await sleep(1000);
    expect(agent.exit).toBeNull();
    const { code, ms } = await terminate(agent);
    expect(code, agent.tail()).toBe(130);
    expect(ms).toBeLessThan(15_000);
    expect(parseSummary(agent)).toMatchObject({ aborted: true, pending: 2 });
  } finally {
    await agent.kill();
  }
}, 180_000);
