/**
 * The GPU check (docs/gpu-validation.md): probe; a conv/fc/pool(+) sweep on torch with NVML; the
 * same 20 configurations measured with NVML, with nvidia-smi, and with NVML again (energy side by
 * side, repeatability); VGG-16 and ResNet-50 end to end against predictions from models fitted on
 * this machine's own sweep. Writes check.json, records-*.jsonl and summary.md to --out.
 *
 *   node check.mjs --out DIR [--dry-run] [--budget-s 450]
 *
 * --dry-run: torch on the CPU, power none, tiny ranges (what CI-less machines can check).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createModelSet,
  fitLayerModel,
  type LayerConfig,
  type LayerModel,
  type ModelKind,
  modelKindOf,
  predictNetwork,
  type TrainingRow,
} from '@neuralpower/core';
import { zooNetwork } from '@neuralpower/networks';
import type { LayerRecord, MeasurementRecord } from '@neuralpower/protocol';
import { measureWork } from '../../agent/src/bench/measure.js';
import { probePlatform } from '../../agent/src/discovery/probe.js';
import { TorchEngine } from '../../agent/src/engine/torch/index.js';
import { createLogger } from '../../agent/src/log.js';
import { NoPowerSampler } from '../../agent/src/power/none/index.js';
import { createPowerSampler, type PowerChoice } from '../../agent/src/power/registry.js';
import { runAgent } from '../../agent/src/run.js';
import type { SweepOptions } from '../../agent/src/sweep/plan.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const dry = process.argv.includes('--dry-run');
const outDir = arg('out');
if (!outDir) {
  process.stderr.write('usage: check --out DIR [--dry-run] [--budget-s 450]\n');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const budgetMs = Number(arg('budget-s') ?? 450) * 1000;
const started = performance.now();
const left = () => budgetMs - (performance.now() - started);
const log = createLogger('warn');
const say = (line: string) =>
  process.stderr.write(`[gpu-check ${((performance.now() - started) / 1000).toFixed(0)} s] ${line}\n`);
const device = dry ? 'cpu' : 'cuda';
const torch = { device, ...(dry ? { threads: 1 } : {}) } as const;
const timing = dry
  ? { warmupRuns: 1, minRuns: 3, budgetMs: 3000 }
  : { warmupRuns: 10, minRuns: 50, minDurationMs: 200, budgetMs: 10_000 };
const preset = dry ? 'tiny' : 'paper';

const result: Record<string, unknown> = { dryRun: dry, startedAt: new Date().toISOString() };
const save = () => writeFileSync(path.join(outDir, 'check.json'), `${JSON.stringify(result, null, 2)}\n`);

function readRecords(file: string): MeasurementRecord[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as MeasurementRecord);
  } catch {
    return [];
  }
}

/** One agent run of a sweep; records go to records-NAME.jsonl. Stops early when the budget is spent. */
async function sweep(
  name: string,
  power: PowerChoice,
  options: Partial<SweepOptions>,
): Promise<LayerRecord[]> {
  const outFile = path.join(outDir!, `records-${name}.jsonl`);
  writeFileSync(outFile, '');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, left() - 60_000));
  say(`${name}: sweep with power ${power}`);
  try {
    const r = await runAgent({
      stateDir: path.join(outDir!, `state-${name}`),
      backend: 'torch',
      torch,
      power,
      idleMs: power === 'none' ? 0 : 2000,
      timing,
      sweep: { seed: 1, preset, ...options },
      outFile,
      logger: log,
      progress: false,
      signal: controller.signal,
    });
    result[name] = {
      platform: r.platform,
      power: r.powerDescription,
      powerNote: r.powerNote,
      idlePowerW: r.idlePowerW,
      counterOrSampleIntervalMs: r.achievedIntervalMs,
      planned: r.planned,
      measured: r.measured,
      failed: r.failed,
      aborted: r.aborted,
      notes: r.notes,
    };
  } catch (err) {
    result[name] = { error: (err as Error).message };
    say(`${name}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
    save();
  }
  return readRecords(outFile).filter((r): r is LayerRecord => r.type === 'layer');
}

const keyOf = (r: LayerRecord) => JSON.stringify([r.spec, r.inputs, r.batch]);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? null
    : s.length % 2
      ? s[s.length >> 1]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** CV (%) of two measurements: sample std / mean. */
const cv2 = (a: number, b: number) => (Math.abs(a - b) / Math.SQRT2 / ((a + b) / 2)) * 100;

function fitModels(records: LayerRecord[]): { models: LayerModel[]; notes: string[] } {
  const groups = new Map<ModelKind, LayerRecord[]>();
  for (const r of records) {
    const kind = modelKindOf(r.spec);
    if (kind) groups.set(kind, [...(groups.get(kind) ?? []), r]);
  }
  const models: LayerModel[] = [];
  const notes: string[] = [];
  for (const [kind, rs] of groups) {
    const config = (r: LayerRecord): LayerConfig => ({ spec: r.spec, inputs: r.inputs, batch: r.batch });
    const targets: ['runtime' | 'power', TrainingRow[]][] = [
      ['runtime', rs.map((r) => ({ config: config(r), value: r.runtime.meanMs }))],
      [
        'power',
        rs.flatMap((r) => (r.power === 'unavailable' ? [] : [{ config: config(r), value: r.power.meanW }])),
      ],
    ];
    for (const [target, rows] of targets) {
      if (rows.length < 4) continue;
      try {
        models.push(
          fitLayerModel(kind, target, rows, { folds: Math.min(10, Math.floor(rows.length / 2)), seed: 1 }),
        );
      } catch (err) {
        notes.push(`${kind} ${target}: ${(err as Error).message}`);
      }
    }
  }
  return { models, notes };
}

async function main(): Promise<void> {
  say(dry ? 'dry run: torch on the CPU, power none' : 'torch on CUDA, NVML and nvidia-smi');
  const probe = await probePlatform({});
  result['probe'] = {
    gpus: probe.gpus,
    driverVersion: probe.driverVersion,
    cudaVersion: probe.cudaVersion,
    gpuUnavailableReason: probe.gpuUnavailableReason,
    cpu: probe.cpu,
  };
  save();
  const nvml: PowerChoice = dry ? 'none' : 'nvml';
  const smi: PowerChoice = dry ? 'none' : 'nvidia-smi';

  // Training sweep for the models the network predictions use: the networks' own conv/fc/pool
  // layers plus a few random ones (the first repeat set joins it below).
  const training = await sweep('training', nvml, {
    kinds: ['conv', 'fc', 'pool'],
    count: 2,
    seed: 2,
    zoo: ['vgg16', 'resnet50'],
    zooBatches: [1],
  });
  // The same 20 configurations three times: NVML, nvidia-smi, NVML again.
  const same = { kinds: ['conv', 'fc', 'pool', 'activation'] as ModelKind[], count: 5, seed: 1 };
  const first = await sweep('repeat-nvml-1', nvml, same);
  const bySmi = await sweep('repeat-nvidia-smi', smi, same);
  const second = await sweep('repeat-nvml-2', nvml, same);

  const firstByKey = new Map(first.map((r) => [keyOf(r), r]));
  const smiByKey = new Map(bySmi.map((r) => [keyOf(r), r]));
  const runtimeCv: number[] = [];
  const energyCv: number[] = [];
  const nvmlVsSmiPct: number[] = [];
  for (const b of second) {
    const a = firstByKey.get(keyOf(b));
    if (!a) continue;
    runtimeCv.push(cv2(a.runtime.medianMs, b.runtime.medianMs));
    if (a.energyMj !== null && b.energyMj !== null) energyCv.push(cv2(a.energyMj, b.energyMj));
  }
  for (const a of first) {
    const s = smiByKey.get(keyOf(a));
    if (s && a.energyMj !== null && s.energyMj !== null)
      nvmlVsSmiPct.push(((s.energyMj - a.energyMj) / a.energyMj) * 100);
  }
  result['repeatability'] = {
    configurations: runtimeCv.length,
    runtimeMedianCvPct: median(runtimeCv),
    energyMedianCvPct: median(energyCv),
    nvidiaSmiVsNvmlEnergyMedianDiffPct: median(nvmlVsSmiPct),
    nvidiaSmiVsNvmlEnergyMedianAbsDiffPct: median(nvmlVsSmiPct.map(Math.abs)),
  };
  save();

  // Networks end to end against predictions from this machine's models.
  const { models, notes } = fitModels([...training, ...first]);
  result['models'] = { fitted: models.map((m) => `${m.kind}/${m.target}`), notes };
  const modelSet = createModelSet(models);
  const networks: Record<string, unknown>[] = [];
  if (left() > 30_000) {
    const engine = await TorchEngine.create(torch);
    const gpu = probe.gpus[0];
    const power = dry
      ? { sampler: new NoPowerSampler('dry run') }
      : createPowerSampler('nvml', 'gpu', {
          ...(gpu ? { gpu } : {}),
          supportedFields: probe.supportedFields,
          raplZones: [],
          intervalMs: 50,
        });
    await power.sampler.start();
    try {
      for (const name of ['vgg16', 'resnet50']) {
        if (left() < 15_000) break;
        say(`${name}: end to end`);
        const network = zooNetwork(name, { batch: 1 });
        const work = await engine.prepareNetwork(network);
        const m = await measureWork(work, power.sampler, {
          timing: {
            ...timing,
            minDurationMs: 0,
            minRunsUnderBudget: 3,
            warmupRuns: dry ? 1 : 10,
            minRuns: dry ? 3 : 30,
            budgetMs: dry ? 20_000 : 10_000,
          },
          minSamples: 10,
          cooldownMs: 0,
        });
        work.dispose();
        const p = predictNetwork(network, modelSet);
        const errPct = (pred: number | null, meas: number | null) =>
          pred === null || meas === null ? null : ((pred - meas) / meas) * 100;
        networks.push({
          network: name,
          batch: 1,
          measured: { runtimeMs: m.runtime.medianMs, energyMj: m.energyMj, power: m.power },
          predicted: { runtimeMs: p.totals.runtimeMs, energyMj: p.totals.energyMj, powerW: p.totals.powerW },
          coveredLayers: p.totals.coveredLayers,
          layers: p.totals.layers,
          runtimeErrorPct: errPct(p.totals.runtimeMs, m.runtime.medianMs),
          energyErrorPct: errPct(p.totals.energyMj, m.energyMj),
        });
        result['networks'] = networks;
        save();
      }
    } finally {
      await power.sampler.stop();
      await engine.dispose();
    }
  }
  result['engine'] = (result['training'] as { platform?: unknown } | undefined)?.platform;
  result['elapsedS'] = (performance.now() - started) / 1000;
  save();
  writeFileSync(path.join(outDir!, 'summary.md'), summary());
  say(`done in ${(result['elapsedS'] as number).toFixed(0)} s: ${path.join(outDir!, 'summary.md')}`);
}

function fmt(v: unknown, digits = 1): string {
  return typeof v === 'number' ? v.toFixed(digits) : 'n/a';
}

function summary(): string {
  const rep = result['repeatability'] as Record<string, number | null>;
  const platform = (result['training'] as { platform?: { description?: string } } | undefined)?.platform;
  const lines = [
    `# GPU check${dry ? ' (dry run: torch CPU, power none)' : ''}`,
    '',
    `- platform: ${platform?.description ?? 'n/a'}`,
    `- elapsed: ${fmt(result['elapsedS'], 0)} s`,
    `- repeatability (${rep['configurations']} configurations measured twice): runtime median CV ${fmt(rep['runtimeMedianCvPct'], 2)} %, energy median CV ${fmt(rep['energyMedianCvPct'], 2)} %`,
    `- nvidia-smi vs NVML energy per pass: median ${fmt(rep['nvidiaSmiVsNvmlEnergyMedianDiffPct'])} % (median |diff| ${fmt(rep['nvidiaSmiVsNvmlEnergyMedianAbsDiffPct'])} %)`,
    `- NVML counter update period: ${fmt((result['repeat-nvml-1'] as { counterOrSampleIntervalMs?: number } | undefined)?.counterOrSampleIntervalMs)} ms`,
    '',
    '| network | measured ms | predicted ms | runtime error % | measured mJ | predicted mJ | energy error % | layers covered |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const n of (result['networks'] as Record<string, unknown>[] | undefined) ?? []) {
    const m = n['measured'] as { runtimeMs: number; energyMj: number | null };
    const p = n['predicted'] as { runtimeMs: number; energyMj: number | null };
    lines.push(
      `| ${n['network']} | ${fmt(m.runtimeMs, 2)} | ${fmt(p.runtimeMs, 2)} | ${fmt(n['runtimeErrorPct'])} | ${fmt(m.energyMj)} | ${fmt(p.energyMj)} | ${fmt(n['energyErrorPct'])} | ${n['coveredLayers']}/${n['layers']} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

main().catch((err: Error) => {
  result['error'] = err.message;
  save();
  say(`failed: ${err.message}`);
  process.exitCode = 1;
});
