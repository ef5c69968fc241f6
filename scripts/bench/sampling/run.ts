/**
 * Pool-based simulation of adaptive vs random sampling on public GPU layer timings
 * (../shared/reference/gpu-layer-data, every FP32 NeuSight and Justus file by default). Per dataset
 * and seed: a held-out quarter (≤ 400 rows) is the test set of both arms, up to `--pool` other rows
 * the pool. Random measures the pool in a random order up to the budget B; the target is 1.05 × its
 * held-out RMSPE at B. Adaptive (the collector's own `proposeNext`, campaign defaults) starts from the
 * same first B/steps random rows and adds B/steps per step up to B/2. Printed per run and per dataset:
 * measurements each arm needed to first reach the target, and whether adaptive needed ≤ B/2.
 *
 *   npx tsx scripts/bench/sampling/run.ts [--budget 200] [--seeds 1,2,3,4,5] [--pool 800] [--steps 10]
 *     [--files a,b | --quick | --records a.jsonl,b.jsonl] [--random-share 0.25] [--no-zoo-weight]
 *     [--tuning leverage=false,integrated=true,leverageCap=Infinity,nearbyError=true,density=true,diverse=false] [--random-cache /tmp/random.jsonl]
 *     [--out results.jsonl] | --summarise results.jsonl [--baseline other-method.jsonl]
 *
 * `--records FILE[,FILE…]`: the pools are the conv, fc and pool layer records of JSON-lines files of
 * agent records (e.g. real H200 measurements kept outside the repo; kinds with < 80 distinct
 * configurations are skipped).
 * `--random-cache FILE` keeps the random arm's checkpoint errors (they do not depend on the adaptive
 * method), so comparing variants costs only their adaptive arms after the first run; `--random-from
 * RESULTS.jsonl` takes it from an earlier run's results instead (same budget, pool and steps, and
 * the same fitter and term sets: after a change there the random arm must be recomputed).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { heldOutError, MIN_HELD_OUT_ROWS } from '../../../collector/src/campaigns/holdout.js';
import { type ProposeTuning, proposeNext } from '../../../collector/src/campaigns/propose.js';
import { zooSignatures } from '../../../collector/src/campaigns/zoo-layers.js';
import {
  conv,
  fc,
  type LayerConfig,
  type ModelKind,
  modelKindOf,
  mulberry32,
  type TrainingRow,
} from '../../../packages/core/src/index.js';
import { layerConfigKey, measurementRecordSchema } from '../../../packages/protocol/src/index.js';

const DATA = join(import.meta.dirname, '../../../../shared/reference/gpu-layer-data');
/** Every FP32 NeuSight and Justus file, conv and fc (DeepBench's ≤ 94 rows per file are too few for a pool). */
const DEFAULT_FILES = [
  ...['P100-PCIe-16GB', 'P4', 'T4', 'V100-PCIe-32GB'].flatMap((g) => [
    `neusight/${g}-conv.csv`,
    `neusight/${g}-fc.csv`,
  ]),
  ...['GTX1080Ti', 'K40', 'K80', 'M60', 'P100'].flatMap((g) => [
    `justus2018/${g}-conv.csv`,
    `justus2018/${g}-fc.csv`,
  ]),
];

/**
 * `--quick`: 6 datasets × seeds 1, 2 (12 runs, ≈ ⅛ of the full set's time) to iterate on the method:
 * the four conv and two fc sets where the full table was least settled (adaptive behind or close to
 * random at B/2, few floor runs). A development subset — the method is judged on the full table.
 */
const QUICK_FILES = [
  'neusight/T4-conv.csv',
  'neusight/P100-PCIe-16GB-conv.csv',
  'neusight/V100-PCIe-32GB-conv.csv',
  'justus2018/GTX1080Ti-conv.csv',
  'justus2018/M60-fc.csv',
  'justus2018/K80-fc.csv',
];

function parseArgs(argv: readonly string[]) {
  const args = {
    budget: 200,
    seeds: [1, 2, 3, 4, 5],
    pool: 800,
    steps: 10,
    files: DEFAULT_FILES,
    zooWeight: true,
    randomShare: 0.25,
    tuning: {} as ProposeTuning,
    out: undefined as string | undefined,
    randomCache: undefined as string | undefined,
    randomFrom: undefined as string | undefined,
    summarise: undefined as string | undefined,
    baseline: undefined as string | undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--budget') args.budget = Number(argv[++i]);
    else if (a === '--seeds') args.seeds = argv[++i]!.split(',').map(Number);
    else if (a === '--pool') args.pool = Number(argv[++i]);
    else if (a === '--steps') args.steps = Number(argv[++i]);
    else if (a === '--files') args.files = argv[++i]!.split(',');
    else if (a === '--quick') {
      args.files = QUICK_FILES;
      args.seeds = [1, 2];
    } else if (a === '--records') {
      const path = argv[++i]!;
      args.files = (['conv', 'fc', 'pool'] as const).map((k) => `${path}#${k}`);
    } else if (a === '--random-from') args.randomFrom = argv[++i];
    else if (a === '--random-cache') args.randomCache = argv[++i];
    else if (a === '--no-zoo-weight') args.zooWeight = false;
    else if (a === '--random-share') args.randomShare = Number(argv[++i]);
    else if (a === '--out') args.out = argv[++i];
    else if (a === '--summarise') args.summarise = argv[++i];
    else if (a === '--baseline') args.baseline = argv[++i];
    else if (a === '--tuning') args.tuning = parseTuning(argv[++i] ?? '');
    else throw new Error(`unknown argument ${a}; see the usage at the top of scripts/bench/sampling/run.ts`);
  }
  if (!Number.isInteger(args.budget) || args.budget < 40) throw new Error('--budget: an integer ≥ 40');
  return args;
}

/** `nearbyError=false,bandwidth=0.7`: ablations of the adaptive score (defaults otherwise). */
function parseTuning(text: string): ProposeTuning {
  const out: Record<string, boolean | number> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (k === 'bandwidth' || k === 'leverageCap') out[k] = Number(v);
    else if (
      k === 'nearbyError' ||
      k === 'density' ||
      k === 'diverse' ||
      k === 'leverage' ||
      k === 'integrated'
    )
      out[k] = v !== 'false';
    else
      throw new Error(
        `--tuning: unknown knob ${k} (nearbyError, density, diverse, leverage, integrated, bandwidth, leverageCap)`,
      );
  }
  return out as ProposeTuning;
}

/**
 * `PATHS#kind`: the layer records of one kind in JSON-lines files of agent records (`--records`,
 * e.g. real GPU measurements kept outside the repo); runtime = runtime.meanMs, repeats of one
 * configuration averaged, invalid lines and network records skipped.
 */
function loadRecords(paths: string, kind: ModelKind): TrainingRow[] {
  const byKey = new Map<string, { config: LayerConfig; sum: number; n: number }>();
  const lines = paths.split(',').flatMap((path) => readFileSync(path, 'utf8').split('\n'));
  for (const line of lines) {
    if (line.trim() === '') continue;
    let parsed: ReturnType<typeof measurementRecordSchema.safeParse>;
    try {
      parsed = measurementRecordSchema.safeParse(JSON.parse(line));
    } catch {
      continue;
    }
    if (!parsed.success || parsed.data.type !== 'layer') continue;
    const r = parsed.data;
    if (modelKindOf(r.spec) !== kind) continue;
    const config = { spec: r.spec, inputs: r.inputs, batch: r.batch } as LayerConfig;
    const key = layerConfigKey('pool', config);
    const at = byKey.get(key) ?? { config, sum: 0, n: 0 };
    at.sum += r.runtime.meanMs;
    at.n += 1;
    byKey.set(key, at);
  }
  return [...byKey.values()].map((v) => ({ config: v.config, value: v.sum / v.n }));
}

function load(file: string): { kind: ModelKind; rows: TrainingRow[] } {
  const hash = file.lastIndexOf('#');
  if (hash >= 0) {
    const kind = file.slice(hash + 1) as ModelKind;
    return { kind, rows: loadRecords(file.slice(0, hash), kind) };
  }
  const [header, ...lines] = readFileSync(join(DATA, file), 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const at = (cells: string[], name: string) => Number(cells[cols.indexOf(name)]);
  const kind: ModelKind = file.includes('-fc') ? 'fc' : 'conv';
  const rows: TrainingRow[] = [];
  for (const line of lines) {
    const c = line.split(',');
    const value = at(c, 'runtime_ms');
    if (!(value > 0)) continue;
    const config: LayerConfig =
      kind === 'fc'
        ? { spec: fc(at(c, 'out_features')), inputs: [[1, 1, at(c, 'in_features')]], batch: at(c, 'batch') }
        : {
            spec: conv(at(c, 'out_c'), [at(c, 'kernel_h'), at(c, 'kernel_w')], {
              strideH: at(c, 'stride_h'),
              strideW: at(c, 'stride_w'),
              padding: {
                top: at(c, 'pad_h'),
                bottom: at(c, 'pad_h'),
                left: at(c, 'pad_w'),
                right: at(c, 'pad_w'),
              },
            }),
            inputs: [[at(c, 'in_h'), at(c, 'in_w'), at(c, 'in_c')]],
            batch: at(c, 'batch'),
          };
    rows.push({ config, value });
  }
  return { kind, rows };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The collector's own held-out estimate (what stops an adaptive campaign: 5 folds and 30 λ, a tenth
 * of a stored model's cost), the same for both arms.
 */
function heldOutRmspe(kind: ModelKind, train: readonly TrainingRow[], test: readonly TrainingRow[]): number {
  const error = heldOutError(kind, [
    ...train.map((r) => ({ ...r, heldOut: false })),
    ...test.map((r) => ({ ...r, heldOut: true })),
  ]);
  if (error === null) {
    throw new Error(
      `a held-out error needs ${MIN_HELD_OUT_ROWS} training and ${MIN_HELD_OUT_ROWS} test rows (got ${train.length} and ${test.length})`,
    );
  }
  return error.runtime;
}

interface RunResult {
  file: string;
  seed: number;
  budget: number;
  /** held-out RMSPE of random sampling at B: the target is TOLERANCE × this */
  randomFinal: number;
  target: number;
  /** measurements each arm needed to first reach the target (null: random not within B, adaptive not within B/2) */
  randomToTarget: number | null;
  adaptiveToTarget: number | null;
  randomHalf: number;
  adaptiveHalf: number;
  seconds: number;
}

/** "Reached random's final error" means within 5 % of it: one noisy checkpoint must not decide. */
const TOLERANCE = 1.05;

function readCache(path: string): Map<string, number[]> {
  if (!existsSync(path)) return new Map();
  const lines = readFileSync(path, 'utf8').trim().split('\n').filter(Boolean);
  return new Map(
    lines.map((l) => {
      const { key, errors } = JSON.parse(l) as { key: string; errors: number[] };
      return [key, errors];
    }),
  );
}

/**
 * The random arm of an earlier run's results (`--random-from FILE`, same budget, pool and steps):
 * checkpoint errors that give the same target, half-way error and measurements to target. The
 * random arm is deterministic (same pool, held-out set and fitter), so only the adaptive arm of a
 * new method needs computing; errors at checkpoints the result does not pin down are set between.
 */
function fromResults(
  path: string,
  file: string,
  seed: number,
  budget: number,
  checkpoints: readonly number[],
): number[] | undefined {
  const r = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunResult)
    .find((x) => x.file === file && x.seed === seed && x.budget === budget);
  if (r === undefined) return undefined;
  const half = checkpoints.find((n) => n >= budget / 2)!;
  return checkpoints.map((n) => {
    if (n === budget) return r.randomFinal;
    if (n === half) return r.randomHalf;
    // Before the first checkpoint at target: above it; from it on: at it (only "first ≤ target" is read).
    return r.randomToTarget !== null && n >= r.randomToTarget ? r.target : 2 * r.target;
  });
}

function simulate(file: string, seed: number, args: ReturnType<typeof parseArgs>): RunResult {
  const started = performance.now();
  const { kind, rows } = load(file);
  const all = shuffled(rows, seed * 7919 + 17);
  const testSize = Math.min(Math.floor(all.length / 4), 400);
  // One held-out set for both arms.
  const test = all.slice(0, testSize);
  const pool = all.slice(testSize, testSize + args.pool);
  const B = Math.min(args.budget, pool.length);
  const step = Math.max(5, Math.round(B / args.steps));
  const checkpoints: number[] = [];
  for (let n = step; n < B; n += step) checkpoints.push(n);
  checkpoints.push(B);

  // The random arm depends only on (dataset, seed, pool, budget, steps): cached across method variants.
  const key = JSON.stringify([file, seed, args.pool, B, args.steps]);
  const cached =
    (args.randomCache === undefined ? undefined : readCache(args.randomCache).get(key)) ??
    (args.randomFrom === undefined ? undefined : fromResults(args.randomFrom, file, seed, B, checkpoints));
  const randomErrs = cached ?? checkpoints.map((n) => heldOutRmspe(kind, pool.slice(0, n), test));
  if (cached === undefined && args.randomCache !== undefined) {
    appendFileSync(args.randomCache, `${JSON.stringify({ key, errors: randomErrs })}\n`);
  }
  const randomErr = new Map(checkpoints.map((n, i) => [n, randomErrs[i]!]));
  const randomFinal = randomErr.get(B)!;
  const target = TOLERANCE * randomFinal;
  const half = checkpoints.find((n) => n >= B / 2)!;
  const randomToTarget = checkpoints.find((n) => randomErr.get(n)! <= target) ?? null;

  // Adaptive starts from the same first `step` random rows (the warm start) as random's order.
  const realLayers = args.zooWeight ? zooSignatures(kind) : [];
  const measured: TrainingRow[] = pool.slice(0, step);
  let left = pool.slice(step);
  let adaptiveToTarget: number | null = randomErr.get(step)! <= target ? step : null;
  let adaptiveHalf = step === half ? randomErr.get(step)! : Number.NaN;
  // The goal is about B/2: adaptive stops there (its count is "> B/2" when it has not got there).
  for (let round = 1; measured.length < half; round++) {
    const picks = proposeNext({
      kind,
      rows: measured,
      candidates: left.map((r) => r.config),
      realLayers,
      count: Math.min(step, B - measured.length),
      randomShare: args.randomShare,
      seed: seed * 1000 + round,
      tuning: args.tuning,
    });
    const chosen = new Set(picks);
    for (const i of picks) measured.push(left[i]!);
    left = left.filter((_, i) => !chosen.has(i));
    const err = heldOutRmspe(kind, measured, test);
    if (measured.length === half) adaptiveHalf = err;
    if (adaptiveToTarget === null && err <= target) adaptiveToTarget = measured.length;
  }
  return {
    file,
    seed,
    budget: B,
    randomFinal,
    target,
    randomToTarget,
    adaptiveToTarget,
    randomHalf: randomErr.get(half)!,
    adaptiveHalf,
    seconds: (performance.now() - started) / 1000,
  };
}

function summarise(results: readonly RunResult[]): void {
  const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '—');
  const n = (x: number | null, max: string) => (x === null ? `> ${max}` : String(x));
  const met = (r: RunResult) => r.adaptiveToTarget !== null && r.adaptiveToTarget <= r.budget / 2;
  const floor = (r: RunResult) => r.randomToTarget !== null && r.randomToTarget <= r.budget / 2;
  console.log(
    '| dataset | seed | B | random RMSPE @B | target (×1.05) | random: measurements to target | adaptive: measurements to target | random @B/2 | adaptive @B/2 | ≤ ½ | s |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.file} | ${r.seed} | ${r.budget} | ${pct(r.randomFinal)} | ${pct(r.target)} | ${n(r.randomToTarget, 'B')} | ${n(r.adaptiveToTarget, 'B/2')} | ${pct(r.randomHalf)} | ${pct(r.adaptiveHalf)} | ${met(r) ? 'yes' : 'no'} | ${r.seconds.toFixed(0)} |`,
    );
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)]!;
  };
  // Not reached counts as one step past where the arm stopped (B, or B/2 for adaptive), so the median stays defined.
  const steps = (r: RunResult, x: number | null, stop: number) => x ?? stop + Math.round(r.budget / 10);
  console.log(
    '\n| dataset | runs | median random RMSPE @B | median measurements to target: random | adaptive | median adaptive / random RMSPE @B/2 | runs ≤ ½ | runs where random also reaches it by B/2 (floor) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  const files = [...new Set(results.map((r) => r.file))];
  for (const f of files) {
    const rs = results.filter((r) => r.file === f);
    console.log(
      `| ${f} | ${rs.length} | ${pct(median(rs.map((r) => r.randomFinal)))} | ${median(rs.map((r) => steps(r, r.randomToTarget, r.budget)))} | ${median(rs.map((r) => steps(r, r.adaptiveToTarget, r.budget / 2)))} | ${median(rs.map((r) => r.adaptiveHalf / r.randomHalf)).toFixed(2)} | ${rs.filter(met).length}/${rs.length} | ${rs.filter(floor).length}/${rs.length} |`,
    );
  }
  const beaten = results.filter((r) => met(r) && !floor(r)).length;
  console.log(
    `\nadaptive reached ${TOLERANCE}× random's final error with ≤ ½ of random's measurements in ${results.filter(met).length} of ${results.length} runs` +
      ` (${results.filter(floor).length} runs: random itself was there by B/2 — the floor; ${beaten} runs: adaptive ≤ ½ where random was not)`,
  );
}

const args = parseArgs(process.argv.slice(2));
function readResults(path: string): RunResult[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunResult);
}

/** The same runs (dataset, seed) under two adaptive methods: per dataset and overall. */
function compare(results: readonly RunResult[], baseline: readonly RunResult[]): void {
  const met = (r: RunResult) => r.adaptiveToTarget !== null && r.adaptiveToTarget <= r.budget / 2;
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)]!;
  };
  const pairs = results.flatMap((r) => {
    const b = baseline.find((x) => x.file === r.file && x.seed === r.seed && x.budget === r.budget);
    return b === undefined ? [] : [{ r, b }];
  });
  console.log(
    '\n| dataset | runs | ≤ ½: baseline | this | median adaptive / random @B/2: baseline | this | median this / baseline @B/2 |',
  );
  console.log('|---|---|---|---|---|---|---|');
  const row = (name: string, ps: typeof pairs) =>
    console.log(
      `| ${name} | ${ps.length} | ${ps.filter((p) => met(p.b)).length} | ${ps.filter((p) => met(p.r)).length} | ${median(ps.map((p) => p.b.adaptiveHalf / p.b.randomHalf)).toFixed(2)} | ${median(ps.map((p) => p.r.adaptiveHalf / p.r.randomHalf)).toFixed(2)} | ${median(ps.map((p) => p.r.adaptiveHalf / p.b.adaptiveHalf)).toFixed(2)} |`,
    );
  for (const f of [...new Set(pairs.map((p) => p.r.file))])
    row(
      f,
      pairs.filter((p) => p.r.file === f),
    );
  row('**all**', pairs);
}

if (args.summarise !== undefined) {
  const results = readResults(args.summarise);
  summarise(results);
  if (args.baseline !== undefined) compare(results, readResults(args.baseline));
} else {
  const results: RunResult[] = [];
  for (const file of args.files) {
    const size = load(file).rows.length;
    if (size < 80) {
      console.error(`${file}: ${size} rows, too few for a pool and a held-out set; skipped`);
      continue;
    }
    for (const seed of args.seeds) {
      const r = simulate(file, seed, args);
      results.push(r);
      if (args.out !== undefined) appendFileSync(args.out, `${JSON.stringify(r)}\n`);
      else console.error(JSON.stringify(r));
    }
  }
  summarise(results);
}
