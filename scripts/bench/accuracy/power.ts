/**
 * Power benchmark: the saturating work-rate power model (packages/core/src/power) against the paper's
 * polynomial power model in the same run, out of fold (10 folds, rows of one layer shape in one
 * fold), on
 *  - synthetic conv layers with a saturating truth (idle 40 W, limit 250 W) and 2 % (1 σ) noise;
 *  - the paper's res_conv.txt (39 measured conv layers with runtime and power);
 *  - with --records PATH[,PATH…] (.jsonl files of agent records, or directories of them; read in
 *    place, never copied): every (platform, kind, power source) with enough layer records with
 *    power, idle power from the records' measured `power.idleW`, the limit from --limit-w (the
 *    platform's enforced limit) or CV. --records-only skips the two built-in sets.
 * "predicted runtime": each held-out layer's work rate comes from a runtime model fitted on the other
 * folds, as at prediction time. "collector's choice": the collector's fit-job selection
 * (fitPowerFamily) on all rows — which family it stores and both cross-validated errors — and,
 * nested, the same choice made inside each outer fold and scored on the held-out fold with predicted
 * runtimes (what a user of the stored model gets). Prints tables; nothing here is a pass/fail test.
 *
 *   npx tsx scripts/bench/accuracy/power.ts [--records DIR|FILE.jsonl[,…]] [--limit-w 700] [--records-only]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fitPowerFamily, medianIdleW } from '@neuralpower/core';
import { assignFolds, assignGroupedFolds, mulberry32 } from '../../../packages/core/src/fit/index.js';
import { errorMetrics } from '../../../packages/core/src/fit/metrics.js';
import {
  candidateTerms,
  conv,
  describeLayer,
  fitLayerModel,
  fitLayerModelDetailed,
  fitSaturatingPowerModel,
  foldGroups,
  type ModelKind,
  modelKindOf,
  type PowerRow,
} from '../../../packages/core/src/index.js';
import { parseDataset } from '../../../packages/datasets/src/index.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string' },
    'limit-w': { type: 'string' },
    'records-only': { type: 'boolean', default: false },
  },
});
const FOLDS = 10;
const RES_CONV = new URL('../../../../shared/reference/neuralpower-data/res_conv.txt', import.meta.url)
  .pathname;

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function synthetic(n: number, seed: number): PowerRow[] {
  const r = mulberry32(seed);
  const pick = <T>(v: readonly T[]) => v[Math.floor(r() * v.length)]!;
  const rows: PowerRow[] = [];
  for (let i = 0; i < n; i++) {
    const size = pick([7, 14, 28, 32, 56, 112]);
    const config = {
      spec: conv(pick([16, 32, 64, 128, 256]), pick([1, 3, 5]), { stride: pick([1, 2]) }),
      inputs: [[size, size, pick([3, 16, 64, 128, 256])] as const],
      batch: pick([1, 4, 16, 64]),
    };
    const layer = describeLayer(config);
    const macs = layer.macsPerExample * layer.batch;
    // A made-up GPU: launch overhead, MACs at a throughput that grows with size, memory traffic.
    const runtimeMs =
      (0.02 + macs / (4e6 + 2e8 * (1 - Math.exp(-macs / 1e9))) + layer.bytesMoved / 5e8) *
      Math.exp(0.05 * gaussian(r));
    const u = 0.1 + macs / runtimeMs / 1e8 + layer.bytesMoved / runtimeMs / 2e8;
    const powerW = (40 + 210 * (1 - Math.exp(-u))) * (1 + 0.02 * gaussian(r));
    rows.push({ config, runtimeMs, powerW });
  }
  return rows;
}

function resConv(): PowerRow[] {
  return parseDataset(readFileSync(RES_CONV, 'utf8'), RES_CONV).flatMap((m) =>
    m.powerW === null ? [] : [{ config: m.config, runtimeMs: m.runtimeMs, powerW: m.powerW }],
  );
}

interface Line {
  model: string;
  rmspe: number;
  within10Pct: number;
}

/** Out-of-fold power of every row, each fold fitted on the others; runtime measured or predicted. */
function outOfFold(
  rows: readonly PowerRow[],
  fitFold: (train: PowerRow[], fold: number) => (row: PowerRow) => number,
): number[] {
  const groups = foldGroups(
    rows.map((r) => r.config),
    FOLDS,
  );
  const foldOf = groups ? assignGroupedFolds(groups, FOLDS, 1) : assignFolds(rows.length, FOLDS, 1);
  const out = new Array<number>(rows.length);
  for (let k = 0; k < FOLDS; k++) {
    const predict = fitFold(
      rows.filter((_, i) => foldOf[i] !== k),
      k,
    );
    rows.forEach((row, i) => {
      if (foldOf[i] === k) out[i] = predict(row);
    });
  }
  return out;
}

function kindOf(rows: readonly PowerRow[]): ModelKind {
  return modelKindOf(describeLayer(rows[0]!.config).spec)!;
}

/** Folds as the collector uses them: 10, or fewer for small sets (two rows per fold). */
const innerFolds = (n: number) => Math.max(2, Math.min(10, Math.floor(n / 2)));

function score(
  name: string,
  rows: readonly PowerRow[],
  platform: { idleW: number | null; limitW: number | null },
): Line[] {
  const kind = kindOf(rows);
  const P = rows.map((r) => r.powerW);
  const line = (model: string, predicted: number[]): Line => ({ model, ...errorMetrics(predicted, P) });
  // Every line uses the same outer folds: one runtime model per fold serves them all.
  const runtimeByFold = new Map<number, ReturnType<typeof fitLayerModelDetailed>>();
  const runtimeFit = (train: readonly PowerRow[], fold: number) => {
    let m = runtimeByFold.get(fold);
    if (m === undefined) {
      m = fitLayerModelDetailed(
        kind,
        'runtime',
        train.map((r) => ({ config: r.config, value: r.runtimeMs })),
        { folds: innerFolds(train.length) },
      );
      runtimeByFold.set(fold, m);
    }
    return m;
  };
  const runtimeModel = (train: PowerRow[], fold: number) => runtimeFit(train, fold).model;
  const poly = (objective: 'squared' | 'auto') => (train: PowerRow[]) => {
    const m = fitLayerModel(
      kind,
      'power',
      train.map((r) => ({ config: r.config, value: r.powerW })),
      { terms: candidateTerms(kind, 'power'), objective, folds: innerFolds(train.length) },
    );
    return (row: PowerRow) => m.predict(row.config);
  };
  const known = {
    ...(platform.idleW !== null && { idleW: platform.idleW }),
    ...(platform.limitW !== null && { limitW: platform.limitW }),
  };
  const hasBounds = platform.idleW !== null || platform.limitW !== null;
  const saturating = (useBounds: boolean, predictedRuntime: boolean) => (train: PowerRow[], fold: number) => {
    const m = fitSaturatingPowerModel(train, {
      ...(useBounds ? known : {}),
      folds: innerFolds(train.length),
    });
    if (!predictedRuntime) return (row: PowerRow) => m.predict(row.config, row.runtimeMs);
    const t = runtimeModel(train, fold);
    return (row: PowerRow) => m.predict(row.config, Math.max(t.predict(row.config), 1e-3));
  };
  // The collector's choice inside each outer fold; power from the predicted runtime where saturating.
  const chosenInFold: string[] = [];
  const collectorChoice = (train: PowerRow[], fold: number) => {
    const { model } = fitPowerFamily(kind, train, {
      mode: 'auto',
      lasso: { folds: innerFolds(train.length) },
      platform,
      predictedRuntimeMs: Array.from(runtimeFit(train, fold).outOfFold),
    });
    chosenInFold.push(model.family);
    if (model.family === 'polynomial') return (row: PowerRow) => model.predict(row.config);
    const t = runtimeModel(train, fold);
    return (row: PowerRow) => model.predict(row.config, Math.max(t.predict(row.config), 1e-3));
  };
  const bounds = hasBounds
    ? `idle ${platform.idleW === null ? 'by CV' : `${platform.idleW.toFixed(1)} W`}, limit ${platform.limitW === null ? 'by CV' : `${platform.limitW.toFixed(1)} W`}`
    : 'idle/limit by CV';
  const lines = [
    line("paper's polynomial (its power terms, squared loss)", outOfFold(rows, poly('squared'))),
    line('polynomial, project default objective (auto)', outOfFold(rows, poly('auto'))),
    line('saturating, idle/limit by CV, measured runtime', outOfFold(rows, saturating(false, false))),
    line('saturating, idle/limit by CV, predicted runtime', outOfFold(rows, saturating(false, true))),
  ];
  if (hasBounds) {
    lines.push(line(`saturating, ${bounds}, measured runtime`, outOfFold(rows, saturating(true, false))));
    lines.push(line(`saturating, ${bounds}, predicted runtime`, outOfFold(rows, saturating(true, true))));
  }
  const nested = line(
    "collector's choice per fold (auto), predicted runtime",
    outOfFold(rows, collectorChoice),
  );
  lines.push(nested);
  const all = fitPowerFamily(kind, rows, {
    mode: 'auto',
    lasso: { folds: innerFolds(rows.length) },
    platform,
    predictedRuntimeMs: Array.from(runtimeFit(rows, -1).outOfFold),
  });
  const pctOf = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(2)} %`);
  process.stdout.write(
    `\n${name}: ${kind}, ${rows.length} rows, ${FOLDS}-fold out of fold, grouped by shape (${bounds})\n| model | power RMSPE | within ±10 % |\n|---|---|---|\n`,
  );
  for (const l of lines) {
    process.stdout.write(
      `| ${l.model} | ${(100 * l.rmspe).toFixed(2)} % | ${(100 * l.within10Pct).toFixed(1)} % |\n`,
    );
  }
  const counts = ['polynomial', 'saturating'].map(
    (f) => `${f} ${chosenInFold.filter((c) => c === f).length}`,
  );
  process.stdout.write(
    `collector's choice on all rows: **${all.choice.chosen}** (CV RMSPE polynomial ${pctOf(all.choice.cvRmspe.polynomial)}, saturating ${pctOf(all.choice.cvRmspe.saturating)} at measured runtimes, ${pctOf(all.choice.cvRmspe.saturatingAtPredictedRuntime)} at out-of-fold predicted runtimes` +
      `${all.choice.idleW === null ? '' : `; idle ${all.choice.idleW.toFixed(1)} W (${all.choice.idleFrom}), limit ${all.choice.limitW!.toFixed(1)} W (${all.choice.limitFrom})`})` +
      `; inside the ${FOLDS} outer folds: ${counts.join(', ')}` +
      `${all.choice.notes.length > 0 ? `; notes: ${all.choice.notes.join('; ')}` : ''}\n`,
  );
  return lines;
}

interface RecordLine {
  type?: string;
  platform?: string;
  spec?: PowerRow['config']['spec'];
  inputs?: PowerRow['config']['inputs'];
  batch?: number;
  runtime?: { meanMs: number; medianMs: number };
  precision?: { targetReached?: boolean } | null;
  power?: { meanW: number; idleW?: number; source?: string } | 'unavailable';
}

/** Agent records (JSON lines) from a file or every *.jsonl in a directory: layer records with power. */
function readRecords(refs: string): RecordLine[] {
  return refs.split(',').flatMap((ref) => readRecordsAt(ref));
}

function readRecordsAt(ref: string): RecordLine[] {
  const files = statSync(ref).isDirectory()
    ? readdirSync(ref)
        .filter((f) => f.endsWith('.jsonl'))
        .sort()
        .map((f) => path.join(ref, f))
    : [ref];
  return files.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l) as RecordLine)
      .filter((r) => r.type === 'layer' && r.power !== undefined && r.power !== 'unavailable'),
  );
}

function recordDatasets(ref: string, limitW: number | null): void {
  const records = readRecords(ref);
  const groups = new Map<string, { rows: PowerRow[]; idles: (number | undefined)[] }>();
  for (const r of records) {
    const config = { spec: r.spec!, inputs: r.inputs!, batch: r.batch! };
    let kind: string | null;
    try {
      kind = modelKindOf(describeLayer(config).spec);
    } catch {
      continue;
    }
    if (kind === null || r.power === 'unavailable' || r.power === undefined) continue;
    // The runtime statistic the collector fits: the median when the block protocol timed it.
    const runtimeMs = r.precision ? r.runtime!.medianMs : r.runtime!.meanMs;
    if (!(runtimeMs > 0 && r.power.meanW > 0)) continue;
    const key = `${r.platform} ${kind} (${r.power.source ?? 'power'})`;
    const g = groups.get(key) ?? { rows: [], idles: [] };
    g.rows.push({ config, runtimeMs, powerW: r.power.meanW });
    g.idles.push(r.power.idleW);
    groups.set(key, g);
  }
  process.stdout.write(`\n## ${ref}: ${records.length} layer records with power\n`);
  for (const [key, g] of [...groups.entries()].sort()) {
    if (g.rows.length < 2 * FOLDS) {
      process.stdout.write(`\n${key}: ${g.rows.length} rows, too few for ${FOLDS} folds (skipped)\n`);
      continue;
    }
    score(key, g.rows, { idleW: medianIdleW(g.idles), limitW });
  }
}

if (!args['records-only']) {
  score('synthetic, saturating truth, 2 % noise', synthetic(400, 7), { idleW: 40, limitW: 250 });
  score("the paper's res_conv.txt", resConv(), { idleW: null, limitW: null });
}
if (args.records !== undefined) {
  const limit = args['limit-w'] === undefined ? null : Number(args['limit-w']);
  if (limit !== null && !(limit > 0))
    throw new Error(`--limit-w must be a positive number of watts (got ${args['limit-w']})`);
  recordDatasets(args.records, limit);
}
