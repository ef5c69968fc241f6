/**
 * Small-n fits: times fitLayerModel (runtime and power, objective auto, ≤ 10 folds) per layer kind on a
 * real collector database, where most kinds have fewer rows than candidate terms (p > n).
 * Usage: npx tsx scripts/bench/fit/small-n.ts [path/to/neuralpower.db] [runtime|power|both]
 */

import { fitLayerModel } from '@neuralpower/core';
import Database from 'better-sqlite3';

const dbPath = process.argv[2] ?? '/tmp/qs/neuralpower.db';
const which = process.argv[3] ?? 'runtime';
const db = new Database(dbPath, { readonly: true });
const kinds = db
  .prepare("select model_kind k, count(*) n from measurements where type='layer' group by model_kind")
  .all() as { k: string; n: number }[];
const targets = which === 'both' ? (['runtime', 'power'] as const) : ([which] as ('runtime' | 'power')[]);
let total = 0;
for (const target of targets) {
  const column = target === 'runtime' ? 'runtime_mean_ms' : 'power_mean_w';
  for (const { k, n } of kinds) {
    const rows = db
      .prepare(`select record_json, ${column} v from measurements where type='layer' and model_kind=?`)
      .all(k) as { record_json: string; v: number | null }[];
    const training = rows
      .filter((r) => r.v !== null && r.v > 0)
      .map((r) => {
        const rec = JSON.parse(r.record_json);
        return { config: { spec: rec.spec, inputs: rec.inputs, batch: rec.batch }, value: r.v as number };
      });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    try {
      const m = fitLayerModel(k as never, target, training, {
        folds: Math.max(2, Math.min(10, Math.floor(training.length / 2))),
      });
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      total += ms;
      console.log(
        `${target.padEnd(7)} ${k.padEnd(14)} n=${String(n).padStart(4)} p=${String(m.report.candidateTerms).padStart(3)} ` +
          `${ms.toFixed(0).padStart(6)} ms wall ${cpuMs.toFixed(0).padStart(6)} ms cpu  rmspe ${m.report.rmspe.toFixed(4)} size ${m.report.modelSize} ${m.report.objective}`,
      );
    } catch (e) {
      console.log(
        `${target} ${k} n=${n} ERR ${(e as Error).message} ${(performance.now() - t0).toFixed(0)} ms`,
      );
    }
  }
}
console.log(`total ${total.toFixed(0)} ms`);
