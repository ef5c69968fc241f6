/**
 * Torch engine figures (docs/benchmarks.md), all measured in one run on this machine:
 * 1. per-run overhead of the worker's timing loop (µs): a trivial layer timed in blocks of K = 1
 *    (one synchronisation and two clock reads per run) against K = 1000 (amortised); and what a
 *    pipe round trip per run would cost instead (run + synchronise from the agent);
 * 2. configurations per minute of the same sweep on torch-CPU and on tfjs-wasm (same timing
 *    options, power none);
 * 3. repeatability on torch-CPU: the same configurations measured twice, median CV % of runtime.
 * Prints figures; asserts nothing. Figures under load say so: compare the ratios.
 *
 *   npx tsx scripts/bench/torch/overhead.ts [--count 5]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LayerRecord } from '@neuralpower/protocol';
import { perRunMs } from '../../../agent/src/bench/engine-timing.js';
import { summarise } from '../../../agent/src/bench/stats.js';
import { nowMs } from '../../../agent/src/clock.js';
import { TorchEngine } from '../../../agent/src/engine/torch/index.js';
import { silentLogger } from '../../../agent/src/log.js';
import { type RunAgentOptions, runAgent } from '../../../agent/src/run.js';

const countArg = process.argv.indexOf('--count');
const count = countArg >= 0 ? Number(process.argv[countArg + 1]) : 5;
const python = process.env['NEURALPOWER_PYTHON'] ?? '/usr/bin/python3';
const torch = { python, device: 'cpu', threads: 1 } as const;
const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), p));

async function loopOverhead(): Promise<void> {
  const engine = await TorchEngine.create(torch);
  try {
    const work = await engine.prepare({
      spec: { kind: 'activation', fn: 'relu' },
      inputs: [[1, 1, 1]],
      batch: 1,
    });
    const perRun = async (k: number, blocks: number) => {
      const r = await work.timeBlocks!({
        warmupRuns: 100,
        runsPerBlock: k,
        minBlocks: blocks,
        maxBlocks: blocks,
        minDurationMs: 0,
        budgetMs: 60_000,
        minBlocksUnderBudget: 1,
      });
      const runs = perRunMs(r);
      return { medianUs: summarise(runs).medianMs * 1000, minUs: Math.min(...runs) * 1000 };
    };
    const k1 = await perRun(1, 5000);
    const k100 = await perRun(100, 50);
    const t0 = nowMs();
    const pipeRuns = 500;
    for (let i = 0; i < pipeRuns; i++) {
      work.run();
      await work.synchronise();
    }
    const pipeUs = ((nowMs() - t0) / pipeRuns) * 1000;
    work.dispose();
    console.log('torch timing loop, relu on 1 element, CPU, per run (median | min):');
    console.log(`  K=1 (sync + 2 clock reads per run) ${k1.medianUs.toFixed(2)} | ${k1.minUs.toFixed(2)} µs`);
    console.log(
      `  K=100 (amortised)                  ${k100.medianUs.toFixed(2)} | ${k100.minUs.toFixed(2)} µs`,
    );
    console.log(
      `  loop overhead per run              ${(k1.medianUs - k100.medianUs).toFixed(2)} | ${(k1.minUs - k100.minUs).toFixed(2)} µs`,
    );
    console.log(`  pipe round trip per run (timing from the agent instead) ${pipeUs.toFixed(1)} µs`);
  } finally {
    await engine.dispose();
  }
}

interface SweepFigures {
  /** whole run, engine start included */
  readonly perMin: number;
  /** first record's start to last record's end: the engine start excluded */
  readonly steadyPerMin: number;
  readonly records: LayerRecord[];
}

async function sweep(backend: 'torch' | 'wasm', seed: number): Promise<SweepFigures> {
  const outFile = path.join(tmp('np-bench-torch-'), 'records.jsonl');
  const options: RunAgentOptions = {
    stateDir: tmp('np-bench-state-'),
    backend,
    torch,
    power: 'none',
    idleMs: 0,
    logger: silentLogger(),
    progress: false,
    timing: { warmupRuns: 3, minRuns: 20, budgetMs: 5000 },
    sweep: { kinds: ['conv', 'fc', 'pool'], count, seed, preset: 'small' },
    outFile,
  };
  const t0 = nowMs();
  const r = await runAgent(options);
  const minutes = (nowMs() - t0) / 60_000;
  const records = readFileSync(outFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LayerRecord);
  const spanMs = Date.parse(records.at(-1)!.endedAt) - Date.parse(records[0]!.startedAt);
  return { perMin: r.measured / minutes, steadyPerMin: records.length / (spanMs / 60_000), records };
}

async function main(): Promise<void> {
  console.log(
    `machine: ${os.cpus()[0]?.model} ×${os.cpus().length}, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  await loopOverhead();

  const torchRun = await sweep('torch', 11);
  const wasmRun = await sweep('wasm', 11);
  console.log(
    `\nsweep of ${torchRun.records.length} conv/fc/pool configurations (small ranges, 3 warm-ups + 20 runs):`,
  );
  console.log('             configurations/min: whole run | engine start excluded');
  console.log(`  torch-CPU  ${torchRun.perMin.toFixed(1)} | ${torchRun.steadyPerMin.toFixed(1)}`);
  console.log(`  tfjs-wasm  ${wasmRun.perMin.toFixed(1)} | ${wasmRun.steadyPerMin.toFixed(1)}`);
  console.log(
    `  ratio torch/wasm ${(torchRun.perMin / wasmRun.perMin).toFixed(2)} | ${(torchRun.steadyPerMin / wasmRun.steadyPerMin).toFixed(2)}`,
  );

  const again = await sweep('torch', 11);
  const key = (r: LayerRecord) => JSON.stringify([r.spec, r.inputs, r.batch]);
  const first = new Map(torchRun.records.map((r) => [key(r), r]));
  const cvs: number[] = [];
  for (const b of again.records) {
    const a = first.get(key(b));
    if (!a) continue;
    const m1 = a.runtime.medianMs;
    const m2 = b.runtime.medianMs;
    cvs.push((Math.abs(m1 - m2) / Math.SQRT2 / ((m1 + m2) / 2)) * 100);
  }
  cvs.sort((x, y) => x - y);
  console.log(`\nrepeatability on torch-CPU, ${cvs.length} configurations measured twice:`);
  console.log(
    `  median CV of the runtime median ${cvs[cvs.length >> 1]!.toFixed(2)} % (max ${cvs.at(-1)!.toFixed(2)} %)`,
  );
  console.log(`load average at the end ${os.loadavg()[0]!.toFixed(1)}`);
}

await main();
