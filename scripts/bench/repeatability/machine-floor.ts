/**
 * The machine's own repeatability floor: fixed compiled work (machine-floor.c: no JIT, no GC, no
 * tensor library) timed with the block protocol's statistic (median of ≥ 5 ms blocks), in several
 * processes one after the other. Prints the per-configuration difference between consecutive
 * processes (median, p90, max), for latency-bound register work ("alu"), throughput-bound register
 * work ("vector": it shares the core's execution units with whatever runs on a hardware sibling) and
 * work that touches caches and memory ("stream", "matmul") apart, the common factor between processes, and the spread of blocks
 * within a process. If identical compiled work cannot repeat within the repeatability goal
 * (median ≤ 2 %, p90 ≤ 5 %), no timing protocol for layers can on this machine. Asserts nothing.
 *
 *   npx tsx scripts/bench/repeatability/machine-floor.ts [--processes 6] [--blocks 40] [--block-ms 5] [--cpu N]
 *
 * Needs gcc (Debian: apt-get install gcc). `--cpu N` pins every process to CPU N (taskset).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    processes: { type: 'string', default: '6' },
    blocks: { type: 'string', default: '40' },
    'block-ms': { type: 'string', default: '5' },
    cpu: { type: 'string' },
  },
});

const processes = Number(args.processes);
const blocks = Number(args.blocks);
const blockMs = Number(args['block-ms']);
if (!Number.isInteger(processes) || processes < 2)
  throw new Error(`--processes must be an integer ≥ 2, got ${args.processes}`);
if (!Number.isInteger(blocks) || blocks < 2)
  throw new Error(`--blocks must be an integer ≥ 2, got ${args.blocks}`);
if (!(blockMs > 0)) throw new Error(`--block-ms must be a positive number, got ${args['block-ms']}`);
if (args.cpu !== undefined && !/^\d+$/.test(args.cpu))
  throw new Error(`--cpu must be a CPU number, got ${args.cpu}`);

const Line = z.object({
  kernel: z.enum(['alu', 'vector', 'stream', 'matmul']),
  size: z.number().int().positive(),
  repsPerBlock: z.number().int().positive(),
  medianMs: z.number().positive(),
  p10Ms: z.number().positive(),
  p90Ms: z.number().positive(),
});
type Line = z.infer<typeof Line>;

/** CPU time of all CPUs from /proc/stat: total and steal (jiffies), to report the steal share. */
function cpuTimes(): { total: number; steal: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

function compile(dir: string): string {
  const binary = path.join(dir, 'machine-floor');
  const r = spawnSync('gcc', ['-O2', '-o', binary, path.join(HERE, 'machine-floor.c')], { encoding: 'utf8' });
  if (r.error)
    throw new Error(
      `gcc could not be run (${r.error.message}): machine-floor needs a C compiler (apt-get install gcc)`,
    );
  if (r.status !== 0) throw new Error(`gcc failed to compile machine-floor.c:\n${r.stderr}`);
  return binary;
}

function runOnce(binary: string): Line[] {
  const [command, commandArgs] =
    args.cpu === undefined ? [binary, []] : ['taskset', ['-c', args.cpu, binary]];
  const r = spawnSync(command, [...commandArgs, String(blocks), String(blockMs)], { encoding: 'utf8' });
  if (r.error) throw new Error(`${command} could not be run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} exited with ${r.status}: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((text, i) => {
      const parsed = Line.safeParse(JSON.parse(text));
      if (!parsed.success)
        throw new Error(`machine-floor line ${i + 1} is malformed: ${parsed.error.message}`);
      return parsed.data;
    });
}

const quantile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'neuralpower-machine-floor-'));
try {
  const binary = compile(dir);
  const before = cpuTimes();
  const load0 = os.loadavg()[0]!;
  const runs: Line[][] = [];
  for (let p = 0; p < processes; p++) runs.push(runOnce(binary));
  const after = cpuTimes();
  const stealShare =
    before && after ? (after.steal - before.steal) / Math.max(1, after.total - before.total) : null;

  console.log(
    `machine floor: ${processes} processes × ${runs[0]!.length} configurations, ${blocks} blocks ≥ ${blockMs} ms` +
      `${args.cpu === undefined ? '' : `, pinned to CPU ${args.cpu}`}; load ${load0.toFixed(2)} → ${os.loadavg()[0]!.toFixed(2)}` +
      `${stealShare === null ? '' : `, steal ${pct(stealShare)} of CPU time`}`,
  );
  console.log("\nbetween consecutive processes, |A − B| / mean of the configuration's median:");
  console.log('| work | configurations × pairs | median | p90 | max |');
  console.log('|---|---|---|---|---|');
  const classes: [string, (l: Line) => boolean][] = [
    ['alu (registers, latency bound)', (l) => l.kernel === 'alu'],
    ['vector (registers, throughput bound)', (l) => l.kernel === 'vector'],
    ['stream + matmul (caches, memory)', (l) => l.kernel === 'stream' || l.kernel === 'matmul'],
  ];
  for (const [label, member] of classes) {
    const diffs: number[] = [];
    for (let p = 1; p < runs.length; p++)
      runs[p]!.forEach((b, i) => {
        const a = runs[p - 1]![i]!;
        if (member(a)) diffs.push(Math.abs(a.medianMs - b.medianMs) / ((a.medianMs + b.medianMs) / 2));
      });
    console.log(
      `| ${label} | ${diffs.length} | ${pct(quantile(diffs, 0.5))} | ${pct(quantile(diffs, 0.9))} | ${pct(Math.max(...diffs))} |`,
    );
  }

  console.log(
    '\nper pair: common factor B/A (median over configurations) and what is left once it is removed',
  );
  for (let p = 1; p < runs.length; p++) {
    const ratios = runs[p]!.map((b, i) => b.medianMs / runs[p - 1]![i]!.medianMs);
    const factor = quantile(ratios, 0.5);
    const left = ratios.map((r) => Math.abs(r / factor - 1));
    console.log(
      `  ${p}→${p + 1}: ×${factor.toFixed(3)}, left median ${pct(quantile(left, 0.5))}, p90 ${pct(quantile(left, 0.9))}`,
    );
  }

  console.log("\nwithin a process: p90 / p10 of a configuration's blocks (median over processes)");
  for (const [i, line] of runs[0]!.entries()) {
    const spread = quantile(
      runs.map((r) => r[i]!.p90Ms / r[i]!.p10Ms),
      0.5,
    );
    const medians = runs.map((r) => r[i]!.medianMs);
    console.log(
      `  ${line.kernel.padEnd(6)} ${String(line.size).padStart(9)}: ×${spread.toFixed(2)}; medians ${quantile(medians, 0).toFixed(4)}–${Math.max(...medians).toFixed(4)} ms`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
