/**
 * Accuracy benchmark: every FP32 file of ../shared/reference/gpu-layer-data through the same grouped
 * 10-fold split (rows of one layer shape share a fold) for each runtime model of variants.ts and, in the
 * same run, scikit-learn HistGradientBoostingRegressor on log features (Debian python3-sklearn).
 * Out of fold: each held-out fold is predicted by a model fitted (with its own inner CV) on the other
 * nine. Also fits on one source and predicts another source's same GPU (report only: the timing
 * methods differ). Prints figures; nothing here is a pass/fail test.
 *
 *   npx tsx scripts/bench/accuracy/run.ts [--files neusight,justus2018/K40] [--variants paper,default]
 *     [--no-sklearn] [--no-transfer] [--json]
 */

import { errorMetrics as errorMetricsOf } from '../../../packages/core/src/fit/metrics.js';
import { assignGroupedFolds } from '../../../packages/core/src/fit/prng.js';
import { type DataFile, fp32Files, readDataFile } from './data.js';
import { runHgb, sklearnVersion } from './hgb.js';
import { type FittedVariant, VARIANTS, type Variant } from './variants.js';

const FOLDS = 10;
const SEED = 1;

interface Args {
  files: string[];
  variants: string[];
  sklearn: boolean;
  transfer: boolean;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    files: [],
    variants: VARIANTS.map((v) => v.name),
    sklearn: true,
    transfer: true,
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--files') args.files = argv[++i]!.split(',');
    else if (a === '--variants') args.variants = argv[++i]!.split(',');
    else if (a === '--no-sklearn') args.sklearn = false;
    else if (a === '--no-transfer') args.transfer = false;
    else if (a === '--json') args.json = true;
    else
      throw new Error(
        `unknown argument ${a}; use --files a,b --variants ${VARIANTS.map((v) => v.name).join(',')} --no-sklearn --no-transfer --json`,
      );
  }
  for (const v of args.variants)
    if (!VARIANTS.some((x) => x.name === v)) throw new Error(`--variants: unknown ${v}`);
  return args;
}

export interface Score {
  rmspe: number;
  within10Pct: number;
  modelSize: number;
  fitMs: number;
  /** Share of held-out rows inside the model's 90 % interval. */
  coverage90?: number;
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

function scoreVariant(variant: Variant, file: DataFile, foldOf: Int32Array): Score {
  const n = file.rows.length;
  const oof = new Float64Array(n);
  let inside = 0;
  let withInterval = 0;
  for (let k = 0; k < FOLDS; k++) {
    const train = file.rows.filter((_, i) => foldOf[i] !== k);
    const model = variant.fit(file.kind, train);
    file.rows.forEach((row, i) => {
      if (foldOf[i] !== k) return;
      oof[i] = model.predict(row);
      if (model.interval) {
        const { low, high } = model.interval(row);
        withInterval++;
        if (row.value >= low && row.value <= high) inside++;
      }
    });
  }
  const full = timed(() => variant.fit(file.kind, file.rows));
  const m = errorMetricsOf(
    oof,
    file.rows.map((r) => r.value),
  );
  return {
    rmspe: m.rmspe,
    within10Pct: m.within10Pct,
    modelSize: full.value.modelSize,
    fitMs: full.ms,
    ...(withInterval > 0 ? { coverage90: inside / withInterval } : {}),
  };
}

function scoreHgb(file: DataFile, foldOf: Int32Array): Score {
  const r = runHgb(file.rows, foldOf, SEED);
  const m = errorMetricsOf(
    r.oof,
    file.rows.map((row) => row.value),
  );
  return { rmspe: m.rmspe, within10Pct: m.within10Pct, modelSize: r.nodes, fitMs: r.seconds * 1000 };
}

/** Fit on all of one file, predict every row of another (same GPU, another source). */
function transfer(
  variant: Variant,
  from: DataFile,
  to: DataFile,
): { rmspe: number; within10Pct: number; medianRatio: number } {
  const model: FittedVariant = variant.fit(from.kind, from.rows);
  const predicted = to.rows.map((r) => model.predict(r));
  const m = errorMetricsOf(
    predicted,
    to.rows.map((r) => r.value),
  );
  const ratios = to.rows.map((r, i) => predicted[i]! / r.value).sort((a, b) => a - b);
  return { rmspe: m.rmspe, within10Pct: m.within10Pct, medianRatio: ratios[Math.floor(ratios.length / 2)]! };
}

const TRANSFERS: readonly [string, string][] = [
  ['neusight/V100-PCIe-32GB', 'deepbench/V100'],
  ['neusight/P100-PCIe-16GB', 'justus2018/P100'],
  ['neusight/P100-PCIe-16GB', 'deepbench/P100'],
];

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const variants = VARIANTS.filter((v) => args.variants.includes(v.name));
  const sk = args.sklearn ? sklearnVersion() : undefined;
  if (args.sklearn && sk === undefined) process.stderr.write('python3-sklearn not found: no HGB reference\n');
  const order = (f: string) => (f.startsWith('neusight') ? 0 : f.startsWith('justus') ? 1 : 2);
  const names = fp32Files()
    .filter((f) => args.files.length === 0 || args.files.some((s) => f.includes(s)))
    .sort((a, b) => order(a) - order(b) || (a < b ? -1 : 1));
  const results: { file: string; rows: number; scores: Record<string, Score> }[] = [];
  if (!args.json) {
    const cols = [...variants.map((v) => v.name), ...(sk ? ['hgb'] : [])];
    process.stdout.write(
      `| file | rows | ${cols.map((c) => `${c} RMSPE / ±10 % / size / fit ms`).join(' | ')} |\n`,
    );
    process.stdout.write(`|---|---|${cols.map(() => '---|').join('')}\n`);
  }
  for (const name of names) {
    const file = readDataFile(name);
    const foldOf = assignGroupedFolds(file.groups, FOLDS, SEED);
    const scores: Record<string, Score> = {};
    for (const v of variants) scores[v.name] = scoreVariant(v, file, foldOf);
    if (sk) scores['hgb'] = scoreHgb(file, foldOf);
    results.push({ file: name, rows: file.rows.length, scores });
    if (!args.json) {
      const cells = Object.values(scores).map(
        (s) =>
          `${pct(s.rmspe)} / ${pct(s.within10Pct)} / ${s.modelSize} / ${s.fitMs.toFixed(0)}` +
          (s.coverage90 === undefined ? '' : ` / cov ${pct(s.coverage90)}`),
      );
      process.stdout.write(`| ${name} | ${file.rows.length} | ${cells.join(' | ')} |\n`);
    }
  }
  const transfers: unknown[] = [];
  if (args.transfer) {
    for (const [from, to] of TRANSFERS) {
      for (const kind of ['conv', 'fc'] as const) {
        const a = readDataFile(`${from}-${kind}`);
        const b = readDataFile(`${to}-${kind}`);
        for (const v of variants) {
          const t = transfer(v, a, b);
          transfers.push({ from: a.name, to: b.name, variant: v.name, ...t });
          if (!args.json) {
            process.stdout.write(
              `transfer ${a.name} → ${b.name} (${v.name}): RMSPE ${pct(t.rmspe)}, within ±10 % ${pct(t.within10Pct)}, median predicted/measured ${t.medianRatio.toFixed(2)}\n`,
            );
          }
        }
      }
    }
  }
  if (args.json)
    process.stdout.write(
      `${JSON.stringify({ sklearn: sk ?? null, folds: FOLDS, seed: SEED, results, transfers }, null, 2)}\n`,
    );
}

main();
