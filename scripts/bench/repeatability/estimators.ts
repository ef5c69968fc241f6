/**
 * What still varies between two processes, with the block protocol's ingredients taken apart: the
 * repeatability sweep's configurations (count 10, seed 3: conv, fc, pool) measured by two child
 * processes one after the other, each configuration as `--blocks` blocks of ≥ `--block-ms` on the
 * wall and the process CPU clock, and around each configuration a fixed reference layer (fc
 * 1024→512, N = 4: the "machine speed probe"). Prints, for layers ≥ 0.1 ms, the A-vs-B
 * per-configuration difference of several estimators (median, 20 % trimmed mean, p10, p25, mean of
 * the lower half, minimum, mean), and how much of the difference is one factor common to all
 * configurations (the process-level ratio) against the probe's own A/B ratio. Asserts nothing.
 *
 *   nice -n -20 npx tsx scripts/bench/repeatability/estimators.ts [--backend wasm] [--blocks 40] [--block-ms 5] [--gc]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fc, type LayerConfig } from '@neuralpower/core';
import { TfjsEngine } from '../../../agent/src/engine/tfjs/index.js';
import { DEFAULT_SWEEP, planSweep } from '../../../agent/src/sweep/plan.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    blocks: { type: 'string', default: '40' },
    'block-ms': { type: 'string', default: '5' },
    gc: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});

interface Measured {
  key: string;
  wall: number[];
  cpu: number[];
  /** probe's per-run CPU ms before and after the configuration */
  probe: [number, number];
}

const load = () => os.loadavg()[0]!;
const sorted = (x: readonly number[]) => [...x].sort((a, b) => a - b);
const quantile = (x: readonly number[], p: number) =>
  sorted(x)[Math.min(x.length - 1, Math.floor(p * x.length))]!;
const median = (x: readonly number[]) => {
  const s = sorted(x);
  const n = s.length;
  return n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};
const mean = (x: readonly number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const trimmed = (x: readonly number[], t: number) => {
  const s = sorted(x);
  const c = Math.floor(t * s.length);
  return mean(s.slice(c, s.length - c));
};
const ESTIMATORS: Record<string, (x: readonly number[]) => number> = {
  median,
  'trimmed 20 %': (x) => trimmed(x, 0.2),
  p10: (x) => quantile(x, 0.1),
  p25: (x) => quantile(x, 0.25),
  'lower-half mean': (x) => mean(sorted(x).slice(0, Math.ceil(x.length / 2))),
  min: (x) => Math.min(...x),
  mean,
};

async function child(out: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const engine = await TfjsEngine.create(args.backend as 'wasm' | 'cpu');
  const plan = await planSweep('bench', { ...DEFAULT_SWEEP, count: 10, seed: 3 });
  const probeConfig: LayerConfig = { spec: fc(512), inputs: [[1, 1, 1024]], batch: 4 };
  const probe = await engine.prepare(probeConfig);
  for (let i = 0; i < 30; i++) {
    probe.run();
    await probe.synchronise();
  }
  // Median of 5 blocks of 10 probe runs, CPU ms per run.
  const probeMs = async () => {
    const xs: number[] = [];
    for (let b = 0; b < 5; b++) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < 10; i++) probe.run();
      await probe.synchronise();
      const c = process.cpuUsage(c0);
      xs.push((c.user + c.system) / 10_000);
    }
    return median(xs);
  };
  const res: Measured[] = [];
  for (const item of plan.items) {
    if (item.type !== 'layer') continue;
    const work = await engine.prepare(item.config);
    for (let i = 0; i < 30; i++) {
      work.run();
      await work.synchronise();
    }
    const t = performance.now();
    let runs = 0;
    while (performance.now() - t < 20 || runs < 3) {
      work.run();
      await work.synchronise();
      runs++;
    }
    const k = Math.max(1, Math.ceil(Number(args['block-ms']) / ((performance.now() - t) / runs)));
    const before = await probeMs();
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let b = 0; b < Number(args.blocks); b++) {
      if (args.gc && gc) gc();
      await new Promise((r) => setImmediate(r));
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < k; i++) work.run();
      await work.synchronise();
      wall.push((performance.now() - t0) / k);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000 / k);
    }
    work.dispose();
    res.push({ key: item.key, wall, cpu, probe: [before, await probeMs()] });
  }
  probe.dispose();
  await engine.dispose();
  writeFileSync(out, JSON.stringify(res));
}

function compare(a: Measured[], b: Measured[]): void {
  const big = a.flatMap((r, i) =>
    median(r.wall) >= 0.1 && b[i]?.key === r.key ? [[r, b[i]!] as const] : [],
  );
  console.log(
    `\n${big.length} configurations ≥ 0.1 ms; |A − B| / mean(A, B) per configuration, median / p90:`,
  );
  console.log('| estimator | wall clock | process CPU clock |\n|---|---|---|');
  for (const [name, f] of Object.entries(ESTIMATORS)) {
    const cells = (['wall', 'cpu'] as const).map((clock) => {
      const d = big.map(([x, y]) => {
        const u = f(x[clock]);
        const v = f(y[clock]);
        return Math.abs(u - v) / ((u + v) / 2);
      });
      return `${(100 * median(d)).toFixed(1)} % / ${(100 * quantile(d, 0.9)).toFixed(1)} %`;
    });
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
  const ratios = big.map(([x, y]) => median(x.cpu) / median(y.cpu));
  const common = median(ratios);
  const residual = ratios.map((r) => Math.abs(r / common - 1));
  const probes = [...a, ...b].flatMap((r) => r.probe);
  const probeRatio = median(a.flatMap((r) => r.probe)) / median(b.flatMap((r) => r.probe));
  console.log(
    `\ncommon factor A/B (median of the configurations' CPU-median ratios): ${common.toFixed(3)}; ` +
      `the probe's own A/B: ${probeRatio.toFixed(3)}; left per configuration once the common factor is removed: ` +
      `median ${(100 * median(residual)).toFixed(1)} %, p90 ${(100 * quantile(residual, 0.9)).toFixed(1)} %`,
  );
  console.log(
    `probe (same fc layer, CPU ms per run) over both processes: p10 ${quantile(probes, 0.1).toFixed(3)}, ` +
      `median ${median(probes).toFixed(3)}, p90 ${quantile(probes, 0.9).toFixed(3)}, max ${Math.max(...probes).toFixed(3)}; ` +
      `before vs after one configuration differ by ${(100 * median([...a, ...b].map((r) => Math.abs(r.probe[1] / r.probe[0] - 1)))).toFixed(1)} % (median)`,
  );
}

if (args.child) {
  await child(args.child);
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'np-estimators-'));
  const self = fileURLToPath(import.meta.url);
  try {
    console.log(
      `estimators: ${args.backend}, ${args.blocks} blocks of ≥ ${args['block-ms']} ms per configuration${args.gc ? ', gc() before each block' : ''}; ` +
        `nice ${os.getPriority()}, ${os.cpus().length} cores`,
    );
    const runs: Measured[][] = [];
    for (const label of ['A', 'B']) {
      const out = path.join(dir, `${label}.json`);
      const l0 = load();
      const t0 = performance.now();
      const r = spawnSync(
        process.execPath,
        [
          ...(args.gc ? ['--expose-gc'] : []),
          '--import',
          'tsx',
          self,
          '--child',
          out,
          '--backend',
          args.backend,
          '--blocks',
          args.blocks,
          '--block-ms',
          args['block-ms'],
          ...(args.gc ? ['--gc'] : []),
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
      if (r.status !== 0) throw new Error(`process ${label} failed (${r.status})`);
      console.log(
        `  process ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s, load ${l0.toFixed(1)} → ${load().toFixed(1)}`,
      );
      runs.push(JSON.parse(readFileSync(out, 'utf8')) as Measured[]);
    }
    compare(runs[0]!, runs[1]!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
