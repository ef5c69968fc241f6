/**
 * Small-n fits (fewer rows than candidate terms, a fresh platform): per layer kind of a real collector
 * database, the design matrix exactly as fitLayerModel builds it (candidate runtime terms, aliased and
 * constant columns dropped), fitted by the current Lasso-CV fitter — objective auto, ≤ 10 folds, 100 λ
 * — and, with --baseline <commit>, by the fitter of that commit (packages/core/src/fit extracted from git
 * into a temp dir) in the same run. Also times fitLayerModel end to end. Prints figures only.
 *
 *   npx tsx scripts/bench/fit/small-n.ts [--db /tmp/qs/neuralpower.db] [--baseline 84e8608] [--reps 3]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { candidateTerms, compileTerms } from '../../../packages/core/src/features/index.js';
import type { LassoCvOptions, LinearFit } from '../../../packages/core/src/fit/index.js';
import { fitLassoCvDetailed } from '../../../packages/core/src/fit/lasso-cv.js';
import { describeLayer, type ModelKind } from '../../../packages/core/src/layers/index.js';
import { distinctColumns } from '../../../packages/core/src/model/distinct-columns.js';
import { fitLayerModel, type TrainingRow } from '../../../packages/core/src/model/index.js';

type Fitter = (X: number[][], y: number[], o: LassoCvOptions) => LinearFit;

function parseArgs(argv: readonly string[]) {
  const args = { db: '/tmp/qs/neuralpower.db', baseline: '', reps: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--db') args.db = argv[++i]!;
    else if (a === '--baseline') args.baseline = argv[++i]!;
    else if (a === '--reps') args.reps = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}; use --db FILE --baseline COMMIT --reps N`);
  }
  if (!Number.isInteger(args.reps) || args.reps < 1) throw new Error('--reps: an integer ≥ 1');
  return args;
}

/** The fitter of `commit`, from git, in a temp dir (its files import only each other). */
async function baselineFitter(commit: string): Promise<Fitter> {
  const dir = mkdtempSync(join(tmpdir(), 'np-fit-baseline-'));
  const fitDir = 'packages/core/src/fit';
  const names = execFileSync('git', ['ls-tree', '--name-only', `${commit}:${fitDir}`], { encoding: 'utf8' })
    .split('\n')
    .filter((n) => n.endsWith('.ts'));
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    writeFileSync(join(dir, name), execFileSync('git', ['show', `${commit}:${fitDir}/${name}`]));
  }
  const mod = (await import(pathToFileURL(join(dir, 'lasso-cv.ts')).href)) as { fitLassoCv: Fitter };
  return mod.fitLassoCv;
}

/** Best of `reps` runs: CPU ms of this process (the machine is shared, wall time is noisy) and wall ms. */
function time<T>(reps: number, fn: () => T): { value: T; cpuMs: number; wallMs: number } {
  let best = { cpuMs: Number.POSITIVE_INFINITY, wallMs: Number.POSITIVE_INFINITY };
  let value: T | undefined;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    value = fn();
    const wallMs = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpuMs = (c.user + c.system) / 1000;
    if (cpuMs < best.cpuMs) best = { cpuMs, wallMs };
  }
  return { value: value as T, ...best };
}

/** Out-of-fold RMSPE of each objective, the kept one first-marked with `*`. */
function cv(fit: LinearFit): string {
  const { squared, relative } = fit.report.cvRmspeByObjective;
  const mark = (o: string) => (fit.report.objective === o ? '*' : ' ');
  return `s${mark('squared')}${squared?.toFixed(3) ?? '-'} r${mark('relative')}${relative?.toFixed(3) ?? '-'}`;
}

const args = parseArgs(process.argv.slice(2));
const baseline = args.baseline ? await baselineFitter(args.baseline) : undefined;
const db = new Database(args.db, { readonly: true });
const kinds = db
  .prepare("select model_kind k from measurements where type='layer' group by model_kind order by model_kind")
  .all() as { k: ModelKind }[];
console.log(
  `kind        rows terms fitted | layerModel cpu/wall ms | new cpu ms  cv rmspe sq / rel  size  λ solved/fold  capped | ` +
    (baseline ? `baseline cpu ms  cv rmspe sq / rel  size | speed-up` : ''),
);
let totalNew = 0;
let totalBase = 0;
for (const { k } of kinds) {
  const raw = db
    .prepare("select record_json, runtime_mean_ms v from measurements where type='layer' and model_kind=?")
    .all(k) as { record_json: string; v: number }[];
  const rows: TrainingRow[] = raw.map((r) => {
    const rec = JSON.parse(r.record_json);
    return { config: { spec: rec.spec, inputs: rec.inputs, batch: rec.batch }, value: r.v };
  });
  const terms = compileTerms(k, candidateTerms(k, 'runtime'));
  const full = rows.map((r) => terms.row(terms.raw(describeLayer(r.config))));
  const kept = distinctColumns(full, terms.names.length);
  const X = full.map((row) => kept.map((j) => row[j]!));
  const y = rows.map((r) => r.value);
  const options: LassoCvOptions = { folds: Math.max(2, Math.min(10, Math.floor(rows.length / 2))) };

  const model = time(args.reps, () => fitLayerModel(k, 'runtime', rows, options));
  const fresh = time(args.reps, () => fitLassoCvDetailed(X, y, options));
  totalNew += fresh.cpuMs;
  const { fit, objectives } = fresh.value;
  const solved = objectives
    .map((o) => `${o.objective[0]}:${Math.min(...o.solvedPerFold)}-${Math.max(...o.solvedPerFold)}`)
    .join(' ');
  const capped = objectives.map((o) => o.unconverged).join('/');
  let line =
    `${k.padEnd(11)} ${String(rows.length).padStart(4)} ${String(terms.names.length).padStart(5)} ` +
    `${String(kept.length).padStart(6)} | ${model.cpuMs.toFixed(0).padStart(6)} / ${model.wallMs.toFixed(0).padStart(5)}` +
    `      | ${fresh.cpuMs.toFixed(0).padStart(7)} ${cv(fit)} ${String(fit.report.modelSize).padStart(4)}  ` +
    `${solved.padEnd(14)} ${capped.padStart(6)} |`;
  if (baseline) {
    const base = time(args.reps, () => baseline(X, y, options));
    totalBase += base.cpuMs;
    line +=
      ` ${base.cpuMs.toFixed(0).padStart(12)} ${cv(base.value)} ` +
      `${String(base.value.report.modelSize).padStart(4)} | ${(base.cpuMs / fresh.cpuMs).toFixed(1)}×`;
  }
  console.log(line);
}
console.log(
  `all kinds: new ${totalNew.toFixed(0)} ms cpu` +
    (baseline ? `, baseline ${totalBase.toFixed(0)} ms cpu (${(totalBase / totalNew).toFixed(1)}×)` : ''),
);
