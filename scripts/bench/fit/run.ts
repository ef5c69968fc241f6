/**
 * Fit benchmark: full 10-fold CV Lasso path (100 λ) on conv-like data with the 127 conv runtime
 * candidate terms, at 1k / 10k / 100k rows, for each of our objectives, and — where Debian's
 * python3-sklearn is installed — scikit-learn LassoCV on the same standardised data and the same folds
 * (PredefinedSplit), in the same run. Prints figures; nothing here is a pass/fail test.
 *
 *   npx tsx scripts/bench/fit/run.ts [--rows 1000,10000,100000] [--reps 3] [--no-sklearn] [--json]
 */
import { cpus } from 'node:os';
import { fitLassoCv, type LinearFit, type Objective } from '../../../packages/core/src/fit/index.js';
import { assignFolds } from '../../../packages/core/src/fit/prng.js';
import { convDataset } from './conv-data.js';
import { runSklearn, type SklearnResult, sklearnVersion, standardiseColumns } from './sklearn.js';

interface Args {
  rows: number[];
  reps: number;
  sklearn: boolean;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { rows: [1000, 10_000, 100_000], reps: 3, sklearn: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rows') args.rows = argv[++i]!.split(',').map(Number);
    else if (a === '--reps') args.reps = Number(argv[++i]);
    else if (a === '--no-sklearn') args.sklearn = false;
    else if (a === '--json') args.json = true;
    else throw new Error(`unknown argument ${a}; use --rows 1000,10000 --reps 3 --no-sklearn --json`);
  }
  if (args.rows.some((n) => !Number.isInteger(n) || n < 20)) throw new Error('--rows: integers ≥ 20');
  return args;
}

const FOLDS = 10;
const SEED = 1;
const N_LAMBDAS = 100;
const LAMBDA_MIN_RATIO = 1e-4;

interface OursRun {
  seconds: number;
  cpuSeconds: number;
  fit: LinearFit;
}

/** Best (minimum) wall time of `reps` runs: the machine is shared, the minimum is the least disturbed. */
function timeOurs(X: number[][], y: number[], objective: Objective | 'auto', reps: number): OursRun {
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  let fit: LinearFit | undefined;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fit = fitLassoCv(X, y, {
      objective,
      folds: FOLDS,
      seed: SEED,
      nLambdas: N_LAMBDAS,
      lambdaMinRatio: LAMBDA_MIN_RATIO,
    });
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    const cpu = process.cpuUsage(c0);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
  }
  return { seconds: best, cpuSeconds: bestCpu, fit: fit! };
}

interface Row {
  rows: number;
  runtimeRangeMs: [number, number];
  ours: Record<
    'squared' | 'relative' | 'auto',
    { seconds: number; cpuSeconds: number; rmspe: number; modelSize: number; lambda: number }
  >;
  autoPicked: Objective;
  sklearn?: Omit<SklearnResult, 'coef' | 'cvMse'> | { error: string };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const skVersion = args.sklearn ? sklearnVersion() : undefined;
  const out: Row[] = [];
  if (!args.json) {
    console.log(
      `fit benchmark: ${FOLDS}-fold CV, ${N_LAMBDAS} λ down to ${LAMBDA_MIN_RATIO}·λmax, 127 conv runtime terms`,
    );
    console.log(
      `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), best of ${args.reps}`,
    );
    console.log(skVersion ? `scikit-learn ${skVersion} (/usr/bin/python3)` : 'scikit-learn: not run');
  }
  for (const n of args.rows) {
    const data = convDataset(n, SEED);
    const y = data.runtimeMs;
    const reps = n >= 100_000 ? 1 : args.reps;
    const squared = timeOurs(data.X, y, 'squared', reps);
    const relative = timeOurs(data.X, y, 'relative', reps);
    const auto = timeOurs(data.X, y, 'auto', 1);
    const summary = (r: OursRun) => ({
      seconds: r.seconds,
      cpuSeconds: r.cpuSeconds,
      rmspe: r.fit.report.rmspe,
      modelSize: r.fit.report.modelSize,
      lambda: r.fit.report.lambda,
    });
    const row: Row = {
      rows: n,
      runtimeRangeMs: [Math.min(...y), Math.max(...y)],
      ours: { squared: summary(squared), relative: summary(relative), auto: summary(auto) },
      autoPicked: auto.fit.report.objective,
    };
    if (skVersion) {
      const { Z } = standardiseColumns(data.X);
      let best: SklearnResult | { error: string } | undefined;
      for (let r = 0; r < reps; r++) {
        const res = runSklearn({
          Z,
          p: data.names.length,
          y,
          folds: assignFolds(n, FOLDS, SEED),
          eps: LAMBDA_MIN_RATIO,
          nAlphas: N_LAMBDAS,
          weights: 'none',
          timeoutMs: 15 * 60_000,
        });
        if ('error' in res || !best || 'error' in best || res.seconds < best.seconds) {
          best =
            'error' in res || !best || 'error' in best
              ? res
              : { ...res, cpuSeconds: Math.min(res.cpuSeconds, best.cpuSeconds) };
        } else best = { ...best, cpuSeconds: Math.min(res.cpuSeconds, best.cpuSeconds) };
        if ('error' in res) break;
      }
      if (best && !('error' in best)) {
        const { coef: _c, cvMse: _m, ...rest } = best;
        row.sklearn = rest;
      } else row.sklearn = best;
    }
    out.push(row);
    if (!args.json) printRow(row);
  }
  if (args.json) console.log(JSON.stringify(out, null, 2));
  else printTable(out);
}

/** "wall s (CPU s)". */
function secs(t: { seconds: number; cpuSeconds: number }): string {
  return `${t.seconds.toFixed(3)} (${t.cpuSeconds.toFixed(3)})`;
}

function ratio(
  s: { seconds: number; cpuSeconds: number },
  o: { seconds: number; cpuSeconds: number },
): string {
  return `${(s.seconds / o.seconds).toFixed(2)}× (${(s.cpuSeconds / o.cpuSeconds).toFixed(2)}×)`;
}

function printRow(r: Row): void {
  const o = r.ours;
  console.log(
    `\n${r.rows} rows (runtimes ${r.runtimeRangeMs[0].toPrecision(2)}–${r.runtimeRangeMs[1].toPrecision(3)} ms), seconds wall (CPU):` +
      `\n  ours squared  ${secs(o.squared)}  RMSPE ${pct(o.squared.rmspe)}  size ${o.squared.modelSize}  λ ${o.squared.lambda.toPrecision(4)}` +
      `\n  ours relative ${secs(o.relative)}  RMSPE ${pct(o.relative.rmspe)}  size ${o.relative.modelSize}  λ ${o.relative.lambda.toPrecision(4)}` +
      `\n  ours auto     ${secs(o.auto)}  picked ${r.autoPicked}`,
  );
  const s = r.sklearn;
  if (!s) return;
  if ('error' in s) {
    console.log(`  sklearn LassoCV failed: ${s.error}`);
    return;
  }
  console.log(
    `  sklearn LassoCV (squared) ${secs(s)}  RMSPE ${pct(s.rmspe)}  size ${s.modelSize}  α ${s.alpha.toPrecision(4)}` +
      `  (convergence warnings: ${s.convergenceWarnings})` +
      `\n  time ratio sklearn/ours: squared ${ratio(s, o.squared)}, relative ${ratio(s, o.relative)}, auto ${ratio(s, o.auto)}` +
      `\n  RMSPE ours relative / sklearn squared: ${(o.relative.rmspe / s.rmspe).toFixed(4)} (target ≤ 0.333)`,
  );
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)} %`;
}

function printTable(rows: readonly Row[]): void {
  console.log('\nseconds: wall (CPU); ratio = sklearn / ours squared');
  console.log(
    '\n| rows | ours squared | ours relative | ours auto | sklearn LassoCV | ratio | RMSPE ours squared | RMSPE ours relative | RMSPE sklearn | model size ours sq / rel / sklearn |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const o = r.ours;
    const s = r.sklearn && !('error' in r.sklearn) ? r.sklearn : undefined;
    console.log(
      `| ${r.rows} | ${secs(o.squared)} | ${secs(o.relative)} | ${secs(o.auto)} | ${s ? secs(s) : 'n/a'} | ${s ? ratio(s, o.squared) : 'n/a'} | ${pct(o.squared.rmspe)} | ${pct(o.relative.rmspe)} | ${s ? pct(s.rmspe) : 'n/a'} | ${o.squared.modelSize} / ${o.relative.modelSize} / ${s ? s.modelSize : 'n/a'} |`,
    );
  }
}

main();
