// Baseline: the same rows inserted straight into the same schema with one prepared statement,
// one transaction per batch, same pragmas; no network, no validation. Prints one JSON line.
import { openDatabase } from '@neuralpower/collector';
import { modelKindOf } from '@neuralpower/core';
import { recordKey } from '@neuralpower/protocol';
import { benchPlatform, benchPlatformInput, benchRecord } from './records.js';

const [dbPath, rowsArg, batchArg, synchronous = 'full'] = process.argv.slice(2);
const rows = Number(rowsArg);
const batchSize = Number(batchArg);
const db = openDatabase(dbPath!, { synchronous: synchronous as 'full' | 'normal' });
db.prepare(
  `INSERT INTO platforms (id, description, input_json, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`,
).run(benchPlatform.id, benchPlatform.description, JSON.stringify(benchPlatformInput), 'x', 'x');
const insertBatch = db.prepare(
  'INSERT INTO batches (agent_id, seq, records, received_at) VALUES (?, ?, ?, ?)',
);
const insert = db.prepare(`
  INSERT INTO measurements (platform_id, agent_id, seq, idx, type, model_kind, network_name, natural_key,
    batch, runtime_mean_ms, runtime_median_ms, runtime_std_ms, runtime_n, power_mean_w, energy_mj,
    started_at, ended_at, received_at, record_json)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
// Column values prepared up front: the baseline measures SQLite alone.
const POOL = 4096;
const prepared = Array.from({ length: POOL }, (_, i) => {
  const r = benchRecord(i);
  if (r.type !== 'layer') throw new Error('unreachable');
  return [
    r.type,
    modelKindOf(r.spec),
    null,
    recordKey(r),
    r.batch,
    r.runtime.meanMs,
    r.runtime.medianMs,
    r.runtime.stdMs,
    r.runtime.n,
    r.power === 'unavailable' ? null : r.power.meanW,
    r.energyMj,
    r.startedAt,
    r.endedAt,
    new Date().toISOString(),
    JSON.stringify(r),
  ] as const;
});
const writeBatch = db.transaction((seq: number, from: number) => {
  insertBatch.run('raw', seq, batchSize, 'x');
  for (let i = 0; i < batchSize; i++)
    insert.run(benchPlatform.id, 'raw', seq, i, ...prepared[(from + i) % POOL]!);
});
const cpu0 = process.cpuUsage();
const start = performance.now();
let written = 0;
for (let seq = 1; written < rows; seq++) {
  writeBatch(seq, written);
  written += batchSize;
}
const elapsedMs = performance.now() - start;
const cpu = process.cpuUsage(cpu0);
db.close();
process.stdout.write(
  `${JSON.stringify({ rows: written, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
);
