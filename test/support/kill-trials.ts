import path from 'node:path';
import { type CollectorProc, sleep, spawnCollector, waitUntil } from './processes.js';
import { Rng } from './rng.js';
import { createToken, inspectStore, type StoreReport, storedRuntimeByKey } from './store.js';
import { StreamAgent } from './stream-agent.js';

export interface KillTrialsOptions {
  /** a fresh directory for the database and the agents' state */
  readonly dir: string;
  readonly trials: number;
  readonly seed: number;
  readonly agents?: number;
  /** records each agent adds to its outbox before each kill: [min, max] */
  readonly recordsPerTrial?: readonly [number, number];
  readonly batchSize?: number;
  /** the kill comes after a random number of acks in [0, this] since the restart */
  readonly maxAcksBeforeKill?: number;
  readonly log?: (line: string) => void;
}

export interface TrialResult {
  readonly trial: number;
  readonly acksBeforeKill: number;
  /** records not yet acked when the SIGKILL landed */
  readonly pendingAtKill: number;
  readonly storedAfterKill: number;
  readonly integrity: string;
  readonly restartMs: number;
}

export interface KillTrialsReport {
  readonly seed: number;
  readonly trials: number;
  readonly agents: number;
  readonly produced: number;
  /** trials whose kill landed while some agent still had unacked records */
  readonly killsMidStream: number;
  /** per-trial invariant violations: integrity not ok, a duplicate, a half-written batch, more stored than produced */
  readonly violations: readonly string[];
  readonly final: StoreReport;
  readonly missing: number;
  readonly unexpected: number;
  readonly wrongValue: number;
  readonly batchesAcked: number;
  readonly duplicateAcks: number;
  readonly durationMs: number;
  readonly meanRestartMs: number;
  readonly perTrial: readonly TrialResult[];
}

/**
 * SIGKILLs a collector child process at seeded random points while agents (real durable outbox +
 * stream) send to it, restarts it on the same port, and checks after every kill that the file is
 * intact and holds no duplicate and no half batch; at the end, that every record arrived once.
 */
export async function runKillTrials(options: KillTrialsOptions): Promise<KillTrialsReport> {
  const rng = new Rng(options.seed);
  const log = options.log ?? (() => undefined);
  const [minRecords, maxRecords] = options.recordsPerTrial ?? [20, 120];
  const maxAcks = options.maxAcksBeforeKill ?? 12;
  const dbPath = path.join(options.dir, 'collector.db');
  const token = await createToken(dbPath, 'kill-trials');
  const started = Date.now();
  let collector: CollectorProc = await spawnCollector(dbPath, 0);
  const port = collector.port;
  const agents = Array.from(
    { length: options.agents ?? 3 },
    (_, index) =>
      new StreamAgent({
        index,
        stateDir: path.join(options.dir, `agent-${index}`),
        url: `ws://127.0.0.1:${port}`,
        token,
        batchSize: options.batchSize ?? 10,
      }),
  );
  const acked = () => agents.reduce((s, a) => s + a.stream.acked, 0);
  const pending = () => agents.reduce((s, a) => s + a.outbox.pendingCount(), 0);
  const produced = () => agents.reduce((s, a) => s + a.produced, 0);
  const violations: string[] = [];
  const perTrial: TrialResult[] = [];
  let restartTotalMs = 0;

  try {
    for (const a of agents) a.start();
    for (let trial = 0; trial < options.trials; trial++) {
      for (const a of agents) a.produce(rng.int(minRecords, maxRecords));
      const target = rng.int(0, maxAcks);
      const jitterMs = rng.int(0, 15);
      const from = acked();
      await waitUntil(
        () => (acked() - from >= target || pending() === 0 ? true : undefined),
        60_000,
        `trial ${trial}: ${target} acks`,
        2,
      );
      await sleep(jitterMs);
      const acksBeforeKill = acked() - from;
      const pendingAtKill = pending();
      await collector.proc.kill();

      const report = inspectStore(dbPath);
      const problems: string[] = [];
      if (report.integrity !== 'ok') problems.push(`integrity_check: ${report.integrity}`);
      if (report.duplicateKeys > 0) problems.push(`${report.duplicateKeys} duplicate records`);
      if (report.duplicateSlots > 0) problems.push(`${report.duplicateSlots} duplicate batch slots`);
      if (report.batchRecordSum !== report.measurements)
        problems.push(`batches promise ${report.batchRecordSum} records, ${report.measurements} stored`);
      if (report.measurements > produced())
        problems.push(`${report.measurements} stored > ${produced()} produced`);
      for (const p of problems) violations.push(`trial ${trial} (seed ${options.seed}): ${p}`);

      const t0 = Date.now();
      collector = await spawnCollector(dbPath, port);
      const restartMs = Date.now() - t0;
      restartTotalMs += restartMs;
      perTrial.push({
        trial,
        acksBeforeKill,
        pendingAtKill,
        storedAfterKill: report.measurements,
        integrity: report.integrity,
        restartMs,
      });
      log(
        `trial ${trial + 1}/${options.trials}: killed after ${acksBeforeKill} acks with ${pendingAtKill} records unacked; ` +
          `${report.measurements}/${produced()} stored, integrity ${report.integrity}${problems.length ? `, PROBLEMS: ${problems.join('; ')}` : ''}`,
      );
    }
    await waitUntil(
      () => (pending() === 0 ? true : undefined),
      120_000,
      'agents drained after the last restart',
    );
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    await collector.proc.stop();
  }

  const final = inspectStore(dbPath);
  const stored = storedRuntimeByKey(dbPath);
  let missing = 0;
  let wrongValue = 0;
  const expectedKeys = new Set<string>();
  for (const a of agents) {
    for (const [key, ms] of a.expected()) {
      expectedKeys.add(key);
      const got = stored.get(key);
      if (!got) missing++;
      else if (got.length !== 1 || got[0] !== ms) wrongValue++;
    }
  }
  const unexpected = [...stored.keys()].filter((k) => !expectedKeys.has(k)).length;
  return {
    seed: options.seed,
    trials: options.trials,
    agents: agents.length,
    produced: produced(),
    killsMidStream: perTrial.filter((t) => t.pendingAtKill > 0).length,
    violations,
    final,
    missing,
    unexpected,
    wrongValue,
    batchesAcked: acked(),
    duplicateAcks: agents.reduce((s, a) => s + a.stream.duplicates, 0),
    durationMs: Date.now() - started,
    meanRestartMs: options.trials > 0 ? restartTotalMs / options.trials : 0,
    perTrial,
  };
}
