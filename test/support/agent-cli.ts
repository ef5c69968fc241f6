import Database from 'better-sqlite3';
import { type Proc, spawnCli } from './processes.js';

/** The flags every test agent shares: loopback collector, its own state dir, no power source, no idle wait, few timed runs. */
export function agentBaseArgs(
  collectorPort: number,
  token: string,
  stateDir: string,
  options: { backend: 'cpu' | 'wasm'; runs?: number },
): string[] {
  return [
    '--collector',
    `ws://127.0.0.1:${collectorPort}`,
    '--token',
    token,
    '--state-dir',
    stateDir,
    '--backend',
    options.backend,
    '--power',
    'none',
    '--idle-ms',
    '0',
    '--warmup',
    '1',
    '--runs',
    String(options.runs ?? 3),
  ];
}

/** The cheapest real sweep: CPU backend, no power source, few timed runs, no idle wait. */
export function agentSweepArgs(
  collectorPort: number,
  token: string,
  stateDir: string,
  sweep: { kinds: string; count: number; seed: number; cooldownMs?: number },
  json: boolean,
): string[] {
  return [
    'agent',
    'sweep',
    ...agentBaseArgs(collectorPort, token, stateDir, { backend: 'cpu' }),
    '--budget-ms',
    '2000',
    // Delivery tests expect each configuration once: no drift revisits (same natural key twice).
    '--revisit-pct',
    '0',
    '--kinds',
    sweep.kinds,
    '--count',
    String(sweep.count),
    '--seed',
    String(sweep.seed),
    '--cooldown-ms',
    String(sweep.cooldownMs ?? 0),
    ...(json ? ['--json'] : []),
  ];
}

export function spawnAgent(args: string[]): Proc {
  // The agent logs JSON lines at info level when stderr is not a TTY (one "measured" per record).
  return spawnCli(args, { NEURALPOWER_LOG: 'info' });
}

/** The `--json` summary `neuralpower agent` prints when it finishes. */
export interface AgentSummary {
  readonly agentId: string;
  readonly planned: number;
  readonly measured: number;
  readonly skipped: number;
  readonly failed: number;
  readonly pending: number;
  readonly rejected: number;
  readonly aborted: boolean;
}

export function parseSummary(proc: Proc): AgentSummary {
  const start = proc.stdout.indexOf('{');
  if (start < 0) throw new Error(`no JSON summary from the agent\n${proc.tail()}`);
  return JSON.parse(proc.stdout.slice(start)) as AgentSummary;
}

/** What the agent's state directory says: configurations measured, records waiting, sweep finished. */
export function agentState(stateDir: string): {
  measuredKeys: Set<string>;
  pending: number;
  sweepFinished: boolean | null;
} {
  const db = new Database(`${stateDir}/agent.sqlite`, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const measuredKeys = new Set(db.prepare('SELECT key FROM measured').pluck().all() as string[]);
    const pending = db.prepare('SELECT COUNT(*) FROM outbox').pluck().get() as number;
    const finished = db.prepare('SELECT finished FROM sweeps ORDER BY created_at LIMIT 1').pluck().get() as
      | number
      | undefined;
    return { measuredKeys, pending, sweepFinished: finished === undefined ? null : finished === 1 };
  } finally {
    db.close();
  }
}
