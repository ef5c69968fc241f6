import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { csvObjects } from './support/csv.js';
import { sleep, spawnCliCollector, waitUntil } from './support/processes.js';
import { Rng } from './support/rng.js';
import { createToken, inspectStore, storedRuntimeByKey } from './support/store.js';
import { StreamAgent } from './support/stream-agent.js';

const dir = mkdtempSync(path.join(tmpdir(), 'np-once-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('3 agents streaming at once: every record arrives exactly once (database and CSV export)', async () => {
  const dbPath = path.join(dir, 'collector.db');
  const token = await createToken(dbPath, 'three-agents');
  // The real `neuralpower collector` command, as an operator starts it.
  const collector = await spawnCliCollector(dbPath, 0);
  const rng = new Rng(3);
  const perAgent = 400;
  const agents = [0, 1, 2].map(
    (index) =>
      new StreamAgent({
        index,
        stateDir: path.join(dir, `agent-${index}`),
        url: `ws://127.0.0.1:${collector.port}`,
        token,
        batchSize: 17,
      }),
  );
  try {
    for (const a of agents) a.start();
    // Records trickle in while the streams run, in uneven bursts, as a sweep would produce them.
    while (agents.some((a) => a.produced < perAgent)) {
      for (const a of agents) a.produce(Math.min(perAgent - a.produced, rng.int(0, 40)));
      await sleep(rng.int(0, 30));
    }
    await waitUntil(
      () => (agents.every((a) => a.outbox.pendingCount() === 0) ? true : undefined),
      60_000,
      'outboxes drained',
    );

    const total = perAgent * agents.length;
    // Reads need a read token (no --public-read here), as on a collector that faces a network.
    const reader = await createToken(dbPath, 'exactly-once-reader', ['read']);
    const csv = csvObjects(
      await (
        await fetch(`${collector.url}/v1/measurements.csv`, {
          headers: { authorization: `Bearer ${reader}` },
        })
      ).text(),
    );
    expect(csv).toHaveLength(total);
    const identities = new Set(
      csv.map((r) => `${r['agent']}|${r['spec_json']}|${r['inputs_json']}|${r['batch']}`),
    );
    expect(identities.size).toBe(total);
    const slots = new Set(csv.map((r) => `${r['agent']}|${r['seq']}|${r['id']}`));
    expect(slots.size).toBe(total);
    for (const a of agents) expect(csv.filter((r) => r['agent'] === a.agentId)).toHaveLength(perAgent);

    const health = (await (await fetch(`${collector.url}/healthz`)).json()) as { measurements: number };
    expect(health.measurements).toBe(total);

    const store = inspectStore(dbPath);
    expect(store).toMatchObject({
      integrity: 'ok',
      measurements: total,
      distinctKeys: total,
      duplicateKeys: 0,
      duplicateSlots: 0,
      batchRecordSum: total,
    });
    const stored = storedRuntimeByKey(dbPath);
    for (const a of agents) {
      for (const [key, ms] of a.expected()) expect(stored.get(key)).toEqual([ms]);
    }
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    await collector.proc.stop();
  }
  expect(collector.proc.exit).toEqual({ code: 0, signal: null });
}, 180_000);
