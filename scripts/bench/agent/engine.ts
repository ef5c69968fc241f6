/**
 * Agent benchmarks: tfjs backend throughput on this machine (wasm against the pure-JS cpu backend,
 * measured in the same run) and the interval the nvidia-smi sampler achieves against a fake
 * nvidia-smi at several requested intervals. Prints figures; asserts nothing.
 *
 *   npx tsx scripts/bench/agent/engine.ts
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { conv, describeLayer, fc, type LayerConfig, pool } from '@neuralpower/core';
import { timeWork } from '../../../agent/src/bench/timing.js';
import { sleep } from '../../../agent/src/clock.js';
import { TfjsEngine } from '../../../agent/src/engine/tfjs/index.js';
import { NvidiaSmiSampler } from '../../../agent/src/power/nvidia-smi/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');

const CASES: { name: string; config: LayerConfig }[] = [
  { name: 'conv 3x3 56x56x64->64 N=1', config: { spec: conv(64, 3), inputs: [[56, 56, 64]], batch: 1 } },
  { name: 'conv 3x3 28x28x128->128 N=4', config: { spec: conv(128, 3), inputs: [[28, 28, 128]], batch: 4 } },
  { name: 'fc 4096->4096 N=8', config: { spec: fc(4096), inputs: [[1, 1, 4096]], batch: 8 } },
  {
    name: 'maxpool 2x2 112x112x64 N=1',
    config: { spec: pool('max', 2), inputs: [[112, 112, 64]], batch: 1 },
  },
];

async function engineBench(): Promise<void> {
  console.log(`engine throughput (host: ${os.cpus()[0]?.model}, ${os.cpus().length} logical cores)`);
  const results = new Map<string, Map<string, number>>();
  for (const backend of ['cpu', 'wasm'] as const) {
    const engine = await TfjsEngine.create(backend);
    for (const c of CASES) {
      const flops = describeLayer(c.config).flopsPerExample * c.config.batch;
      const work = await engine.prepare(c.config);
      const t = await timeWork(work, {
        warmupRuns: 3,
        minRuns: 10,
        minDurationMs: 0,
        budgetMs: 20_000,
        minRunsUnderBudget: 3,
      });
      work.dispose();
      const gflops = flops / t.medianMs / 1e6;
      if (!results.has(c.name)) results.set(c.name, new Map());
      results.get(c.name)!.set(backend, t.medianMs);
      console.log(
        `  ${backend.padEnd(5)} ${c.name.padEnd(32)} median ${t.medianMs.toFixed(3).padStart(9)} ms  ` +
          `${gflops.toFixed(2).padStart(7)} GFLOP/s  (n=${t.n})`,
      );
    }
    await engine.dispose();
  }
  console.log('  speed-up of wasm over the cpu backend (same run):');
  for (const [name, byBackend] of results) {
    console.log(`    ${name.padEnd(32)} ×${(byBackend.get('cpu')! / byBackend.get('wasm')!).toFixed(1)}`);
  }
}

async function samplerBench(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'np-bench-smi-'));
  const exe = path.join(dir, 'nvidia-smi');
  writeFileSync(
    exe,
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'agent/test/helpers/fake-nvidia-smi.mjs')}" "$@"\n`,
  );
  chmodSync(exe, 0o755);
  process.env['FAKE_SMI_FIXTURE'] = path.join(
    ROOT,
    '../shared/fixtures/nvidia-smi/linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt',
  );
  console.log('nvidia-smi sampler against a fake nvidia-smi (stream parsing and arrival stamping only)');
  for (const intervalMs of [1, 10, 50]) {
    const sampler = new NvidiaSmiSampler({ gpuIndex: 0, intervalMs, supportedFields: [], command: exe });
    await sampler.start();
    await sleep(Math.max(1000, 40 * intervalMs));
    const achieved = sampler.achievedIntervalMs();
    const n = sampler.samples().length;
    await sampler.stop();
    console.log(
      `  requested ${String(intervalMs).padStart(3)} ms: achieved median ${achieved?.toFixed(2)} ms ` +
        `(×${((achieved ?? Number.NaN) / intervalMs).toFixed(2)}), ${n} samples`,
    );
  }
}

await engineBench();
await samplerBench();
