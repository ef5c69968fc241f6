import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { agentState, agentSweepArgs, parseSummary, spawnAgent } from './support/agent-cli.js';
import { freePort, spawnCli, spawnCliCollector, waitUntil } from './support/processes.js';
import { inspectStore } from './support/store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'np-down-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the collector is down for the whole sweep and started afterwards: everything arrives', async () => {
  const dbPath = path.join(dir, 'collector.db');
  const stateDir = path.join(dir, 'agent');
  const port = await freePort();

  // The token is made with the CLI, as an operator would; the collector itself is not running.
  const tokenCmd = spawnCli(['collector', 'token', 'create', '--db', dbPath, '--name', 'late-collector']);
  expect(await tokenCmd.exited, tokenCmd.tail()).toEqual({ code: 0, signal: null });
  const token = tokenCmd.stdout.trim();
  expect(token).toMatch(/^np_/);

  const agent = spawnAgent(
    agentSweepArgs(port, token, stateDir, { kinds: 'fc,pool', count: 6, seed: 9 }, true),
  );
  let collector: Awaited<ReturnType<typeof spawnCliCollector>> | undefined;
  try {
    // The whole sweep runs with nobody listening; every record waits in the durable outbox.
    const state = await waitUntil(
      () => {
        if (!existsSync(path.join(stateDir, 'agent.sqlite'))) return undefined;
        let s: ReturnType<typeof agentState>;
        try {
          s = agentState(stateDir);
        } catch (err) {
          // The file exists a moment before the agent has created its tables.
          if (/no such table/.test((err as Error).message)) return undefined;
          throw err;
        }
        return s.sweepFinished ? s : undefined;
      },
      180_000,
      'the sweep finished',
      250,
    );
    expect(agent.exit).toBeNull();
    expect(state.pending).toBe(state.measuredKeys.size);
    expect(state.pending).toBeGreaterThan(0);

    collector = await spawnCliCollector(dbPath, port);
    const exit = await agent.exited;
    expect(exit, agent.tail()).toEqual({ code: 0, signal: null });
    const summary = parseSummary(agent);
    expect(summary).toMatchObject({ failed: 0, pending: 0, rejected: 0, aborted: false });
    expect(summary.measured).toBe(summary.planned);

    const store = inspectStore(dbPath);
    expect(store).toMatchObject({
      integrity: 'ok',
      measurements: summary.planned,
      distinctKeys: summary.planned,
      duplicateKeys: 0,
      duplicateSlots: 0,
    });
    const db = new Database(dbPath, { readonly: true });
    const keys = new Set(db.prepare('SELECT natural_key FROM measurements').pluck().all() as string[]);
    db.close();
    expect(keys).toEqual(state.measuredKeys);
    expect(agentState(stateDir).pending).toBe(0);
  } finally {
    await agent.kill();
    await collector?.proc.stop();
  }
}, 300_000);
