/**
 * Repeatability: the same sweep twice, each in its own process, with the old run-by-run timing
 * and with the block protocol, interleaved (runs A, blocks A, runs B, blocks B) so both meet the
 * same machine load. Prints, per protocol, the per-configuration relative difference of the
 * reported runtime (the median) between the two sweeps — median, p90 and max, for layers ≥ 0.1 ms
 * and smaller ones apart — and the sweeps' wall times. Goals: median ≤ 2 %, p90 ≤ 5 % (≥ 0.1 ms);
 * block sweeps at most 1.5× the wall time of run-by-run ones. Asserts nothing.
 *
 * Run it under `nice -n -20` on a shared machine (the sweeps inherit it): the scheduler then gives
 * them a core whenever they are runnable; the header prints the nice value and every sweep its load.
 *
 *   nice -n -20 npx tsx scripts/bench/repeatability/run.ts [--count 10] [--seed 3] [--backend wasm] [--kinds conv,fc,pool]
 *
 * `--from DIR` analyses sweeps measured elsewhere instead (the GPU plan, scripts/gpu-check/plan.sh):
 * DIR/repeat-{runs,blocks}-{A,B}.jsonl and the wall times in DIR/walls.txt ("NAME SECONDS RC" lines).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '10' },
    seed: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'wasm' },
    kinds: { type: 'string', default: 'conv,fc,pool' },
    from: { type: 'string' },
  },
});

interface Row {
  key: string;
  medianMs: number;
  targetReached?: boolean;
  outlierBlocks?: number;
  revisitDriftRel?: number;
}
interface Sweep {
  rows: Map<string, Row>;
  wallS: number;
  loadBefore: number;
  loadAfter: number;
  drift: number[];
}

const load1 = () => os.loadavg()[0]!;

/** One sweep in its own process (the same CLI a user runs), records to DIR/LABEL.jsonl. */
function sweep(protocol: 'runs' | 'blocks', dir: string, label: string): Sweep {
  const state = path.join(dir, label);
  const out = path.join(dir, `${label}.jsonl`);
  const loadBefore = load1();
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'bin/neuralpower.js'),
      'agent',
      'sweep',
      ...['--backend', args.backend, '--power', 'none', '--kinds', args.kinds],
      ...['--count', args.count, '--seed', args.seed, '--timing', protocol],
      ...['--state-dir', state, '--out', out, '--idle-ms', '0', '--json'],
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${label} sweep failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return parseSweep(out, label, wallS, loadBefore, load1());
}

/** A sweep measured elsewhere: DIR/repeat-LABEL.jsonl, its wall time from DIR/walls.txt. */
function measuredSweep(dir: string, label: string): Sweep {
  const walls = readFileSync(path.join(dir, 'walls.txt'), 'utf8');
  const line = walls.split('\n').find((l) => l.startsWith(`repeat-${label} `));
  const wallS = Number(line?.split(' ')[1] ?? Number.NaN);
  return parseSweep(path.join(dir, `repeat-${label}.jsonl`), label, wallS, Number.NaN, Number.NaN);
}

function parseSweep(out: string, label: string, wallS: number, loadBefore: number, loadAfter: number): Sweep {
  const rows = new Map<string, Row>();
  const drift: number[] = [];
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (!line) continue;
    const rec = JSON.parse(line);
    const key = JSON.stringify([rec.spec, rec.inputs, rec.batch]);
    if (rec.precision?.revisit) {
      drift.push(rec.precision.revisit.driftRel);
      continue;
    }
    rows.set(key, {
      key,
      medianMs: rec.runtime.medianMs,
      ...(rec.precision
        ? { targetReached: rec.precision.targetReached, outlierBlocks: rec.precision.outlierBlocks }
        : {}),
    });
  }
  const s = { rows, wallS, loadBefore, loadAfter, drift };
  console.error(
    `  ${label}: ${rows.size} configurations, ${wallS.toFixed(1)} s` +
      (Number.isNaN(loadBefore) ? '' : `, load ${loadBefore.toFixed(1)} → ${s.loadAfter.toFixed(1)}`),
  );
  return s;
}

function quantile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
}
const pct = (v: number) => (Number.isNaN(v) ? '-' : `${(100 * v).toFixed(1)} %`);

function compare(a: Sweep, b: Sweep) {
  const big: number[] = [];
  const small: number[] = [];
  for (const [key, ra] of a.rows) {
    const rb = b.rows.get(key);
    if (!rb) continue;
    const mean = (ra.medianMs + rb.medianMs) / 2;
    const rel = Math.abs(ra.medianMs - rb.medianMs) / mean;
    (mean >= 0.1 ? big : small).push(rel);
  }
  return { big, small };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'np-repeat-'));
try {
  // This machine's cores and load say nothing about sweeps measured elsewhere.
  const where = args.from
    ? `measured elsewhere, read from ${args.from}`
    : `${os.cpus().length} cores, nice ${os.getPriority()}, load at start ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`;
  console.log(
    `repeatability: agent sweep --backend ${args.backend} --power none --kinds ${args.kinds} --count ${args.count} --seed ${args.seed}, ${where}`,
  );
  const measure = (protocol: 'runs' | 'blocks', label: string) =>
    args.from ? measuredSweep(args.from, label) : sweep(protocol, dir, label);
  const runsA = measure('runs', 'runs-A');
  const blocksA = measure('blocks', 'blocks-A');
  const runsB = measure('runs', 'runs-B');
  const blocksB = measure('blocks', 'blocks-B');
  const header = '| protocol | layers | n | median | p90 | max |';
  console.log(`\n${header}\n|---|---|---|---|---|---|`);
  for (const [name, a, b] of [
    ['run by run (old)', runsA, runsB],
    ['blocks (new)', blocksA, blocksB],
  ] as const) {
    const { big, small } = compare(a, b);
    for (const [label, xs] of [
      ['≥ 0.1 ms', big],
      ['< 0.1 ms', small],
    ] as const) {
      console.log(
        `| ${name} | ${label} | ${xs.length} | ${pct(quantile(xs, 0.5))} | ${pct(quantile(xs, 0.9))} | ${pct(xs.length > 0 ? Math.max(...xs) : Number.NaN)} |`,
      );
    }
  }
  const wallRuns = runsA.wallS + runsB.wallS;
  const wallBlocks = blocksA.wallS + blocksB.wallS;
  console.log(
    `\nsweep wall time: run by run ${(wallRuns / 2).toFixed(1)} s, blocks ${(wallBlocks / 2).toFixed(1)} s per sweep → ×${(wallBlocks / wallRuns).toFixed(2)}`,
  );
  const blockRows = [...blocksA.rows.values(), ...blocksB.rows.values()];
  const reached = blockRows.filter((r) => r.targetReached).length;
  const outliers = blockRows.reduce((n, r) => n + (r.outlierBlocks ?? 0), 0);
  const drift = [...blocksA.drift, ...blocksB.drift].map(Math.abs);
  console.log(
    `blocks: ±2 % target reached on ${reached}/${blockRows.length} configurations; ${outliers} outlier blocks counted; ` +
      `drift on ${drift.length} revisits: median ${pct(quantile(drift, 0.5))}, max ${pct(Math.max(...drift, 0))}`,
  );
  if (!args.from)
    console.log(
      `load (1 min) during the four sweeps: ${[runsA, blocksA, runsB, blocksB].map((s) => `${s.loadBefore.toFixed(1)}–${s.loadAfter.toFixed(1)}`).join(', ')}`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
