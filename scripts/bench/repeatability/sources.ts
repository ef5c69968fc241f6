/**
 * Where the spread of per-run timings comes from, per CPU backend (wasm, cpu): timer resolution,
 * the per-run cost of run() + synchronise() on a one-element op, warm-up length in a fresh
 * process, GC pauses during timing, and preemption (wall time against this process's CPU time).
 * Prints figures with the load average at the time; asserts nothing. Figures in docs/measurement.md.
 *
 *   npx tsx scripts/bench/repeatability/sources.ts [wasm|cpu]   (default: both, one child each)
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { conv, fc, type LayerConfig, pool } from '@neuralpower/core';
import { TfjsEngine } from '../../../agent/src/engine/tfjs/index.js';

const load = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const cv = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) / m;
};
const f = (v: number, d = 4) => v.toFixed(d);

function timer(): void {
  const deltas: number[] = [];
  let last = performance.now();
  const t0 = last;
  let calls = 0;
  while (deltas.length < 2000) {
    const now = performance.now();
    calls++;
    if (now !== last) {
      deltas.push(now - last);
      last = now;
    }
  }
  console.log(
    `timer: performance.now() smallest step ${f(Math.min(...deltas) * 1000, 2)} µs, median step ${f(q(deltas, 0.5) * 1000, 2)} µs, ` +
      `cost ${f(((performance.now() - t0) / calls) * 1e6, 0)} ns/call (load ${load()})`,
  );
}

async function backendStudy(backend: 'wasm' | 'cpu'): Promise<void> {
  const engine = await TfjsEngine.create(backend);
  console.log(`\n== ${backend} (load ${load()})`);
  // 1. run()+synchronise() on a one-element relu: what every timed run pays besides the layer.
  const tiny = await engine.prepare({
    spec: { kind: 'activation', fn: 'relu' },
    inputs: [[1, 1, 1]],
    batch: 1,
  });
  for (let i = 0; i < 200; i++) {
    tiny.run();
    await tiny.synchronise();
  }
  const perRunSynced: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    tiny.run();
    await tiny.synchronise();
    perRunSynced.push(performance.now() - t0);
  }
  const K = 200;
  const perRunInBlock: number[] = [];
  for (let b = 0; b < 30; b++) {
    const t0 = performance.now();
    for (let i = 0; i < K; i++) tiny.run();
    await tiny.synchronise();
    perRunInBlock.push((performance.now() - t0) / K);
  }
  console.log(
    `identity op: run+sync each ${f(q(perRunSynced, 0.5))} ms median (p90 ${f(q(perRunSynced, 0.9))}, max ${f(Math.max(...perRunSynced))}, CV ${f(cv(perRunSynced) * 100, 0)} %); ` +
      `in blocks of ${K} with one sync ${f(q(perRunInBlock, 0.5))} ms/run → sync+readback ≈ ${f(q(perRunSynced, 0.5) - q(perRunInBlock, 0.5))} ms`,
  );
  tiny.dispose();

  // 2. Warm-up and 3. GC / preemption on real layers.
  const layers: { name: string; config: LayerConfig }[] = [
    { name: 'conv 3x3 16x16x32→32 N=1', config: { spec: conv(32, 3), inputs: [[16, 16, 32]], batch: 1 } },
    { name: 'conv 3x3 32x32x32→64 N=4', config: { spec: conv(64, 3), inputs: [[32, 32, 32]], batch: 4 } },
    { name: 'fc 1024→500 N=2', config: { spec: fc(500), inputs: [[1, 1, 1024]], batch: 2 } },
    { name: 'maxpool 2x2 16x16x32 N=1', config: { spec: pool('max', 2), inputs: [[16, 16, 32]], batch: 1 } },
  ];
  for (const l of layers) {
    const work = await engine.prepare(l.config);
    const first: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      work.run();
      await work.synchronise();
      first.push(performance.now() - t0);
    }
    const steady = q(first.slice(20), 0.5);
    const warmAfter = first.findIndex((_v, i) => i > 0 && first.slice(i).every((w) => w < 1.5 * steady));
    const gcs: number[] = [];
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcs.push(e.duration);
    });
    obs.observe({ entryTypes: ['gc'] });
    const wall: number[] = [];
    const cpuRatio: number[] = [];
    const tEnd = performance.now() + 1500;
    while (performance.now() < tEnd) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      work.run();
      await work.synchronise();
      const w = performance.now() - t0;
      const c = process.cpuUsage(c0);
      wall.push(w);
      cpuRatio.push((c.user + c.system) / 1000 / w);
    }
    await new Promise((r) => setTimeout(r, 10));
    obs.disconnect();
    const slow = wall.filter((w) => w > 1.5 * q(wall, 0.5)).length;
    console.log(
      `${l.name}: first run ${f(first[0]!, 3)} ms = ×${f(first[0]! / steady, 1)} steady ${f(steady, 3)} ms; within 1.5× from run ${warmAfter}; ` +
        `1.5 s per-run: n ${wall.length}, median ${f(q(wall, 0.5), 3)}, p90 ${f(q(wall, 0.9), 3)}, max ${f(Math.max(...wall), 2)} ms, CV ${f(cv(wall) * 100, 0)} %, ` +
        `runs >1.5× median ${slow}; GC ${gcs.length} pauses, total ${f(
          gcs.reduce((a, b) => a + b, 0),
          2,
        )} ms, max ${f(gcs.length ? Math.max(...gcs) : 0, 2)} ms; CPU/wall median ${f(q(cpuRatio, 0.5), 2)}, p10 ${f(q(cpuRatio, 0.1), 2)} (load ${load()})`,
    );
    work.dispose();
  }
  await engine.dispose();
}

function cpuFrequency(): void {
  const mhz = os.cpus().map((c) => c.speed);
  console.log(
    `\nCPU: ${os.cpus()[0]?.model}, ${mhz.length} cores, reported MHz ${mhz.join(', ')}; load ${load()}`,
  );
  try {
    const gov = execFileSync('cat', ['/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    console.log(`governor: ${gov.trim()}`);
  } catch {
    console.log('governor: no cpufreq in this VM (frequency is the hypervisor’s)');
  }
}

const which = process.argv[2];
if (which === 'wasm' || which === 'cpu') {
  await backendStudy(which);
} else {
  timer();
  cpuFrequency();
  // Each backend in a fresh process: warm-up figures include first-process JIT.
  const self = fileURLToPath(import.meta.url);
  for (const b of ['wasm', 'cpu']) {
    execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', self, b], { stdio: 'inherit' });
  }
}
