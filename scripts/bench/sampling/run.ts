/**
 * Pool-based simulation of adaptive vs random sampling on public GPU layer timings
 * (../shared/reference/gpu-layer-data). Per dataset and seed: a held-out quarter is the test set,
 * the rest the pool. Random sampling measures the pool in a random order up to the budget B; its
 * held-out RMSPE at B is the target. Adaptive sampling (the collector's `proposeNext`: bootstrap
 * committee disagreement × real-network weight, 25 % random) starts from B/steps random rows and adds
 * B/steps per step (default 10 steps). Printed: how many measurements adaptive needed to reach random's final error.
 *
 *   npx tsx scripts/bench/sampling/run.ts [--budget 300] [--seeds 1,2,3] [--pool 800] [--steps 10] [--files a,b] [--no-zoo-weight] [--json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { proposeNext } from '../../../collector/src/campaigns/propose.js';
import { zooSignatures } from '../../../collector/src/campaigns/zoo-layers.js';
import {
  conv,
  fc,
  fitLayerModel,
  type LayerConfig,
  type ModelKind,
  mulberry32,
  type TrainingRow,
} from '../../../packages/core/src/index.js';

const DATA = join(import.meta.dirname, '../../../../shared/reference/gpu-layer-data');
const DEFAULT_FILES = [
  'justus2018/GTX1080Ti-conv.csv',
  'justus2018/K40-fc.csv',
  'neusight/T4-conv.csv',
  'justus2018/P100-conv.csv',
];

function parseArgs(argv: readonly string[]) {
  const args = {
    budget: 300,
    seeds: [1, 2, 3],
    pool: 800,
    steps: 10,
    files: DEFAULT_FILES,
    json: false,
    zooWeight: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--budget') args.budget = Number(argv[++i]);
    else if (a === '--seeds') args.seeds = argv[++i]!.split(',').map(Number);
    else if (a === '--pool') args.pool = Number(argv[++i]);
    else if (a === '--steps') args.steps = Number(argv[++i]);
    else if (a === '--files') args.files = argv[++i]!.split(',');
    else if (a === '--json') args.json = true;
    else if (a === '--no-zoo-weight') args.zooWeight = false;
    else throw new Error(`unknown argument ${a}; use --budget N --seeds 1,2 --pool N --files a,b --json`);
  }
  if (!Number.isInteger(args.budget) || args.budget < 40) throw new Error('--budget: an integer ≥ 40');
  return args;
}

function load(file: string): { kind: ModelKind; rows: TrainingRow[] } {
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

function heldOutRmspe(kind: ModelKind, train: readonly TrainingRow[], test: readonly TrainingRow[]): number {
  const folds = Math.max(2, Math.min(10, Math.floor(train.length / 2)));
  const model = fitLayerModel(kind, 'runtime', train, { folds });
  let acc = 0;
  for (const r of test) acc += ((model.predict(r.config) - r.value) / r.value) ** 2;
  return Math.sqrt(acc / test.length);
}

interface RunResult {
  file: string;
  seed: number;
  budget: number;
  randomFinal: number;
  randomHalf: number;
  adaptiveHalf: number;
  /** measurements adaptive needed to reach randomFinal (null: not within the budget) */
  adaptiveToTarget: number | null;
  seconds: number;
}

function simulate(
  file: string,
  seed: number,
  budget: number,
  poolCap: number,
  steps: number,
  zooWeight: boolean,
): RunResult {
  const started = performance.now();
  const { kind, rows } = load(file);
  const all = shuffled(rows, seed * 7919 + 17);
  const testSize = Math.min(Math.floor(all.length / 4), 400);
  const test = all.slice(0, testSize);
  const pool = all.slice(testSize, testSize + poolCap);
  const B = Math.min(budget, pool.length);
  const step = Math.max(5, Math.round(B / steps));
  const randomFinal = heldOutRmspe(kind, pool.slice(0, B), test);
  const randomHalf = heldOutRmspe(kind, pool.slice(0, Math.round(B / 2)), test);

  // The ablation without it scores by committee disagreement alone.
  const realLayers = zooWeight ? zooSignatures(kind) : [];
  const measured: TrainingRow[] = pool.slice(0, step);
  let left = pool.slice(step);
  let adaptiveToTarget: number | null = null;
  let adaptiveHalf = Number.NaN;
  for (let round = 1; measured.length < B; round++) {
    const picks = proposeNext({
      kind,
      rows: measured,
      candidates: left.map((r) => r.config),
      realLayers,
      count: Math.min(step, B - measured.length),
      randomShare: 0.25,
      seed: seed * 1000 + round,
    });
    const chosen = new Set(picks);
    for (const i of picks) measured.push(left[i]!);
    left = left.filter((_, i) => !chosen.has(i));
    const err = heldOutRmspe(kind, measured, test);
    if (measured.length === Math.round(B / 2) || (Number.isNaN(adaptiveHalf) && measured.length > B / 2))
      adaptiveHalf = err;
    // The first time adaptive is at least as good as random's final error.
    if (adaptiveToTarget === null && err <= randomFinal) adaptiveToTarget = measured.length;
    if (adaptiveToTarget !== null && measured.length >= B / 2) break;
  }
  return {
    file,
    seed,
    budget: B,
    randomFinal,
    randomHalf,
    adaptiveHalf,
    adaptiveToTarget,
    seconds: (performance.now() - started) / 1000,
  };
}

const args = parseArgs(process.argv.slice(2));
const results: RunResult[] = [];
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '—');
if (!args.json) {
  console.log(
    "| dataset | seed | B | random RMSPE @B | random @B/2 | adaptive @B/2 | adaptive measurements to random's @B | ratio | s |",
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
}
for (const file of args.files) {
  for (const seed of args.seeds) {
    const r = simulate(file, seed, args.budget, args.pool, args.steps, args.zooWeight);
    results.push(r);
    if (!args.json) {
      const ratio = r.adaptiveToTarget === null ? '> 1' : (r.adaptiveToTarget / r.budget).toFixed(2);
      console.log(
        `| ${file} | ${seed} | ${r.budget} | ${pct(r.randomFinal)} | ${pct(r.randomHalf)} | ${pct(r.adaptiveHalf)} | ${r.adaptiveToTarget ?? 'not reached'} | ${ratio} | ${r.seconds.toFixed(0)} |`,
      );
    }
  }
}
if (args.json) console.log(JSON.stringify(results, null, 2));
else {
  const met = results.filter((r) => r.adaptiveToTarget !== null && r.adaptiveToTarget <= r.budget / 2).length;
  console.log(
    `\nadaptive reached random's final error with ≤ ½ of its measurements in ${met} of ${results.length} runs`,
  );
}
