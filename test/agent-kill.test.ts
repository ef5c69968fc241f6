import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { agentState, agentSweepArgs, parseSummary, spawnAgent } from './support/agent-cli.js';
import { sleep, spawnCollector } from './support/processes.js';
import { Rng } from './support/rng.js';
import { createToken, inspectStore } from './support/store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'np-agent-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MEASURED = /"msg":"measured"/g;
const measuredLines = (n: number) => new RegExp(`(?:"msg":"measured"[^]*?){${n}}`);

it('an agent SIGKILLed twice mid-sweep resumes; every configuration arrives exactly once', async () => {
  const dbPath = path.join(dir, 'collector.db');
  const stateDir = path.join(dir, 'agent');
  const token = await createToken(dbPath, 'agent-kill');
  const collector = await spawnCollector(dbPath, 0);
  const rng = new Rng(42);
  // A cooldown after each configuration spreads the sweep out so the kills land mid-sweep.
  const sweep = { kinds: 'fc,pool', count: 12, seed: 5, cooldownMs: 150 };
  const killedAfter: number[] = [];
  try {
    const pendingAtKill: number[] = [];
    for (let kill = 0; kill < 2; kill++) {
      const agent = spawnAgent(agentSweepArgs(collector.port, token, stateDir, sweep, false));
      const k = rng.int(2, 6);
      await agent.waitFor(measuredLines(k), 120_000, `${k} measured`);
      if (kill === 0) await sleep(rng.int(0, 100));
      else {
        // Second kill: the collector stalls (SIGSTOP) so the last record is surely sent but not
        // acked when the agent dies; the collector may still commit it after SIGCONT, and the
        // restarted agent must then get a duplicate ack for the same seq, not a second row.
        collector.proc.signal('SIGSTOP');
        const more = agent.count(MEASURED) + 1;
        await agent.waitFor(measuredLines(more), 60_000, `${more} measured`);
      }
      await agent.kill();
      collector.proc.signal('SIGCONT');
      expect(agent.exit?.signal).toBe('SIGKILL');
      killedAfter.push(agent.count(MEASURED));
      const state = agentState(stateDir);
      pendingAtKill.push(state.pending);
      expect(state.sweepFinished).toBe(false);
    }
    expect(pendingAtKill[1]).toBeGreaterThan(0);
    const stored = inspectStore(dbPath).measurements;

    const last = spawnAgent(agentSweepArgs(collector.port, token, stateDir, sweep, true));
    const exit = await last.exited;
    expect(exit, last.tail()).toEqual({ code: 0, signal: null });
    const summary = parseSummary(last);
    const state = agentState(stateDir);
    console.log(
      `agent kill: killed after ${killedAfter.join(' and ')} measured lines with ${pendingAtKill.join(' and ')} unacked; ${stored} stored before the last run; ` +
        `last run: ${summary.measured} measured, ${summary.skipped} skipped of ${summary.planned}`,
    );
    expect(summary).toMatchObject({ failed: 0, pending: 0, rejected: 0, aborted: false });
    // It resumed: what the killed runs measured was not measured again.
    expect(summary.skipped).toBeGreaterThanOrEqual(killedAfter.reduce((s, n) => s + n, 0) - 2);
    expect(summary.measured + summary.skipped).toBe(summary.planned);
    expect(summary.measured).toBeLessThan(summary.planned);
    expect(state.sweepFinished).toBe(true);
    expect(state.pending).toBe(0);
    expect(state.measuredKeys.size).toBe(summary.planned);

    const store = inspectStore(dbPath);
    expect(store).toMatchObject({
      integrity: 'ok',
      measurements: summary.planned,
      distinctKeys: summary.planned,
      duplicateKeys: 0,
      duplicateSlots: 0,
    });
    expect([...store.perAgent.keys()]).toEqual([summary.agentId]);
    const db = new Database(dbPath, { readonly: true });
    const keys = new Set(db.prepare('SELECT natural_key FROM measurements').pluck().all() as string[]);
    db.close();
    expect(keys).toEqual(state.measuredKeys);
  } finally {
    collector.proc.signal('SIGCONT');
    await collector.proc.stop();
  }
}, 300_000);
