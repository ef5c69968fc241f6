/**
 * Measures the networks of the network-correction benchmark (networks.ts) on this machine with the
 * tfjs wasm engine, as the agent does: for each network every layer plus the whole network end to
 * end (`agent sweep --network NAME --network-input N`), plus a few random layers per kind so the
 * layer models see more than the networks' own shapes. Records are appended as JSON lines to
 * `.tmp/bench/networks-wasm.jsonl` (one file per run; networks.ts reads it).
 *
 *   nice -n -20 npx tsx scripts/bench/accuracy/networks-measure.ts [--count 8] [--budget-runs 60]
 *     [--only alexnet,nin] [--out FILE]
 *
 * Inputs are reduced where the full size would take minutes per network on a CPU (ResNet-50,
 * MobileNet-v2); AlexNet, VGG-16 and NIN keep 224: their adaptive and global pools need it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAgent, SAMPLE_KINDS, silentLogger } from '@neuralpower/agent';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
export const NETWORKS_FILE = path.join(ROOT, '.tmp/bench/networks-wasm.jsonl');

/** Network and the input H = W it is measured at (its own where that takes seconds on wasm). */
export const BENCH_NETWORKS: readonly { readonly name: string; readonly input: number }[] = [
  { name: 'alexnet', input: 224 },
  { name: 'vgg16', input: 224 },
  { name: 'resnet50', input: 64 },
  { name: 'mobilenet-v2', input: 96 },
  { name: 'nin', input: 224 },
  { name: 'cifar10-6conv', input: 32 },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const count = Number(arg('count') ?? 8);
  // Runs a block-protocol measurement may spend (the agent's default 60 gives a network only ~5
  // blocks on a loaded machine, a ±5–15 % interval).
  const budgetRuns = Number(arg('budget-runs') ?? 60);
  const only = arg('only')?.split(',');
  const out = arg('out') ?? NETWORKS_FILE;
  mkdirSync(path.dirname(out), { recursive: true });
  if (only === undefined) rmSync(out, { force: true });
  const started = performance.now();
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const runs = BENCH_NETWORKS.filter((n) => only === undefined || only.includes(n.name));
  for (const [i, net] of runs.entries()) {
    const t0 = performance.now();
    const stateDir = path.join(ROOT, `.tmp/bench/state-${net.name}`);
    rmSync(stateDir, { recursive: true, force: true });
    const result = await runAgent({
      stateDir,
      backend: 'wasm',
      power: 'none',
      logger: silentLogger(),
      progress: false,
      skipKnown: false,
      outFile: out,
      blockTiming: { budgetRuns, minBlocks: 10 },
      sweep: {
        // Random layers once (with the first network), so the layer models are not the networks' alone.
        kinds: SAMPLE_KINDS,
        count: i === 0 ? count : 0,
        seed: 11,
        preset: 'small',
        zoo: [],
        zooBatches: [1],
        networks: [net.name],
        networkBatch: 1,
        networkInput: net.input,
      },
    });
    console.log(
      `${net.name}@${net.input}: ${result.measured} measured, ${result.failed} failed in ${((performance.now() - t0) / 1000).toFixed(0)} s; load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s → ${out}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
