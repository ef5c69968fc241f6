import os from 'node:os';
import path from 'node:path';
import { type ModelKind, RANGE_PRESET_NAMES, type RangePreset, SAMPLE_KINDS } from '@neuralpower/core';
import type { Argv } from 'yargs';
import { CI_METHODS, type CiMethod } from '../bench/blocks.js';
import { ENGINE_CHOICES, type EngineChoice, TORCH_DEVICES, TORCH_PRECISIONS } from '../engine/choices.js';
import { POWER_CHOICES, type PowerChoice } from '../power/registry.js';
import { type RunAgentOptions, TIMING_PROTOCOLS, type TimingProtocolName } from '../run.js';
import { checkSweepOptions, DEFAULT_SWEEP, type SweepOptions } from '../sweep/plan.js';

export interface AgentArgs {
  collector?: string;
  token?: string;
  gpu?: string;
  'state-dir': string;
  backend: EngineChoice;
  python?: string;
  'torch-device': (typeof TORCH_DEVICES)[number];
  precision: (typeof TORCH_PRECISIONS)[number];
  'cudnn-benchmark': boolean;
  power: PowerChoice;
  'interval-ms': number;
  warmup: number;
  runs: number;
  'min-duration-ms': number;
  'budget-ms': number;
  timing: TimingProtocolName;
  'target-pct': number;
  'block-ms': number;
  ci: CiMethod;
  'revisit-pct': number;
  'power-window-ms'?: number;
  'min-samples': number;
  'cooldown-ms': number;
  'idle-ms': number;
  out?: string;
  json: boolean;
  'nvidia-smi'?: string;
  'powercap-root'?: string;
  kinds?: string;
  count?: number;
  seed?: number;
  ranges?: RangePreset;
  batches?: string;
  zoo?: string;
  'zoo-batches'?: string;
  'zoo-input'?: number;
  network?: string[];
  'network-batch'?: number;
  'network-input'?: number;
  'metrics-port'?: number;
  'metrics-host': string;
  campaign?: string;
  'lease-batch'?: number;
}

export const DEFAULT_STATE_DIR = path.join(os.homedir(), '.neuralpower', 'agent');

/** Options shared by `agent` and `agent sweep`. */
export function agentOptions<T>(y: Argv<T>): Argv<T & AgentArgs> {
  return y
    .option('collector', { type: 'string', describe: 'collector WebSocket URL, e.g. ws://HOST:7070' })
    .option('token', {
      type: 'string',
      describe: 'agent token (`neuralpower collector token create`); default $NEURALPOWER_TOKEN',
    })
    .option('campaign', {
      type: 'string',
      describe:
        'work for this collector campaign (default with no sweep flags: the running campaign for this platform)',
    })
    .option('lease-batch', { type: 'number', describe: 'configurations per campaign lease (default 4)' })
    .option('gpu', { type: 'string', describe: 'GPU index to measure on, or "all" (one worker per GPU)' })
    .option('state-dir', {
      type: 'string',
      default: DEFAULT_STATE_DIR,
      describe: 'outbox database and sweep progress',
    })
    .option('backend', {
      choices: ENGINE_CHOICES,
      default: 'auto' as const,
      describe: 'engine: torch (PyTorch worker) or a tfjs backend; auto tries torch on CUDA first',
    })
    .option('python', { type: 'string', describe: 'python with torch for --backend torch (default python3)' })
    .option('torch-device', {
      choices: TORCH_DEVICES,
      default: 'cuda' as const,
      describe: 'where the torch engine runs (cpu only when asked for)',
    })
    .option('precision', {
      choices: TORCH_PRECISIONS,
      default: 'fp32' as const,
      describe: 'torch precision (fp32 has TF32 off)',
    })
    .option('cudnn-benchmark', {
      type: 'boolean',
      default: true,
      describe: 'torch cudnn.benchmark (--no-cudnn-benchmark to turn off)',
    })
    .option('power', { choices: POWER_CHOICES, default: 'auto' as const, describe: 'power source' })
    .option('interval-ms', { type: 'number', default: 50, describe: 'power sampling interval (≥ 1)' })
    .option('warmup', { type: 'number', default: 10, describe: 'untimed warm-up runs per configuration' })
    .option('runs', { type: 'number', default: 50, describe: 'timed runs per configuration' })
    .option('min-duration-ms', { type: 'number', default: 0, describe: 'keep timing at least this long' })
    .option('budget-ms', {
      type: 'number',
      default: 30_000,
      describe:
        'time budget per configuration for warm-up + timing (≥ 3 runs or blocks always); blocks: the time of --warmup + --runs runs (≥ 150 ms) up to this',
    })
    .option('timing', {
      choices: TIMING_PROTOCOLS,
      default: 'blocks' as const,
      describe:
        'blocks: blocks of K runs, one sync each, until the median is known within --target-pct; runs: run by run (older)',
    })
    .option('target-pct', {
      type: 'number',
      default: 2,
      describe: 'blocks: wanted ± half-width of the median’s 95 % interval',
    })
    .option('block-ms', {
      type: 'number',
      default: 5,
      describe: 'blocks: K is chosen so a block lasts at least this long',
    })
    .option('ci', {
      choices: CI_METHODS,
      default: 'order-statistics' as const,
      describe:
        'blocks: how the median’s interval is computed (exact order statistics, or a seeded bootstrap)',
    })
    .option('revisit-pct', {
      type: 'number',
      default: 5,
      describe: 'blocks: share of configurations measured again at the end of a sweep to detect drift',
    })
    .option('power-window-ms', {
      type: 'number',
      describe: 'back-to-back run time for the power mean (default max(1000, 20 × interval))',
    })
    .option('min-samples', { type: 'number', default: 10, describe: 'fewer power samples flag a window' })
    .option('cooldown-ms', { type: 'number', default: 0, describe: 'idle pause after each configuration' })
    .option('idle-ms', { type: 'number', default: 2000, describe: 'idle-power measurement at start' })
    .option('out', { type: 'string', describe: 'also append every record to this JSON-lines file' })
    .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON' })
    .option('nvidia-smi', { type: 'string', describe: 'path of nvidia-smi (default: found on PATH)' })
    .option('powercap-root', {
      type: 'string',
      describe: 'powercap sysfs root (default /sys/class/powercap)',
    })
    .option('kinds', {
      type: 'string',
      describe: `layer kinds to sample, comma separated (${SAMPLE_KINDS.join(', ')}); default conv,fc,pool`,
    })
    .option('count', {
      type: 'number',
      describe: `random configurations per kind (default ${DEFAULT_SWEEP.count})`,
    })
    .option('seed', { type: 'number', describe: 'sampling seed (default 1)' })
    .option('ranges', {
      choices: RANGE_PRESET_NAMES,
      describe: "sampling ranges: paper (the paper's random CNNs, batch ≤ 128), small (default), tiny",
    })
    .option('batches', { type: 'string', describe: 'batch sizes to sample, e.g. 1,2,4 (overrides --ranges)' })
    .option('zoo', {
      type: 'string',
      describe: 'zoo networks whose own layers join the sweep, e.g. alexnet,vgg16',
    })
    .option('zoo-batches', { type: 'string', describe: 'batch sizes for zoo layers (default 1)' })
    .option('zoo-input', {
      type: 'number',
      describe: 'input height = width for zoo networks (default their own)',
    })
    .option('network', {
      type: 'string',
      array: true,
      describe: 'measure every layer of this network (zoo name or file) and the network end to end',
    })
    .option('network-batch', { type: 'number', describe: 'batch for --network (default 1)' })
    .option('network-input', { type: 'number', describe: 'input height = width for --network' })
    .option('metrics-port', {
      type: 'number',
      describe:
        'serve Prometheus metrics at http://HOST:PORT/metrics (0: any free port; --gpu all: PORT + i per worker)',
    })
    .option('metrics-host', {
      type: 'string',
      default: '127.0.0.1',
      describe: 'address for --metrics-port (0.0.0.0 to let a Prometheus on another host scrape)',
    });
}

function list(flag: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error(`--${flag} is empty`);
  return items;
}

function numbers(flag: string, value: string | undefined): number[] | undefined {
  const items = list(flag, value);
  return items?.map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${flag}: "${s}" is not a positive integer`);
    return n;
  });
}

/** True when any sweep flag was given (plain `agent` then runs a sweep instead of only draining). */
export function sweepRequested(a: AgentArgs): boolean {
  return (
    a.kinds !== undefined ||
    a.count !== undefined ||
    a.seed !== undefined ||
    a.ranges !== undefined ||
    a.zoo !== undefined ||
    (a.network?.length ?? 0) > 0
  );
}

export function sweepFromArgs(a: AgentArgs): SweepOptions {
  const kinds = list('kinds', a.kinds) as ModelKind[] | undefined;
  const networks = a.network ?? [];
  const options: SweepOptions = {
    // `--network` alone measures that network only, not a random sweep as well.
    kinds: kinds ?? (networks.length > 0 && a.count === undefined ? [] : DEFAULT_SWEEP.kinds),
    count: a.count ?? DEFAULT_SWEEP.count,
    seed: a.seed ?? DEFAULT_SWEEP.seed,
    preset: a.ranges ?? DEFAULT_SWEEP.preset,
    ...(a.batches ? { batches: numbers('batches', a.batches)! } : {}),
    zoo: list('zoo', a.zoo) ?? [],
    zooBatches: numbers('zoo-batches', a['zoo-batches']) ?? [1],
    ...(a['zoo-input'] !== undefined ? { zooInput: a['zoo-input'] } : {}),
    networks,
    networkBatch: a['network-batch'] ?? 1,
    ...(a['network-input'] !== undefined ? { networkInput: a['network-input'] } : {}),
  };
  // Fail on a bad flag now, before probing devices and loading an engine.
  checkSweepOptions(options);
  return options;
}

function positiveInt(flag: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new Error(`--${flag} must be an integer ≥ ${min} (got ${v})`);
  return v;
}

function positiveNumber(flag: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${flag} must be a positive number (got ${v})`);
  return v;
}

/** A percentage: positive (or ≥ 0 with `zeroOk`), at most 100. */
function percent(flag: string, v: number, zeroOk: boolean): number {
  if (!Number.isFinite(v) || v < 0 || (!zeroOk && v === 0) || v > 100) {
    throw new Error(`--${flag} must be a number in ${zeroOk ? '[0' : '(0'}, 100] (got ${v})`);
  }
  return v;
}

function metricsPort(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 65535) {
    throw new Error(`--metrics-port must be an integer port 0..65535 (got ${v})`);
  }
  return v;
}

export function runOptionsFromArgs(a: AgentArgs, withSweep: boolean): Omit<RunAgentOptions, 'signal'> {
  // `all` is handled by the caller (one worker per GPU); here it means "the first GPU".
  const gpu = a.gpu === undefined || a.gpu === 'all' ? undefined : Number(a.gpu);
  if (gpu !== undefined && (!Number.isInteger(gpu) || gpu < 0)) {
    throw new Error(`--gpu must be a GPU index or "all" (got ${JSON.stringify(a.gpu)})`);
  }
  const token = a.token ?? process.env['NEURALPOWER_TOKEN'];
  if (a.collector && !token) throw new Error('--collector needs --token (or $NEURALPOWER_TOKEN)');
  return {
    stateDir: a['state-dir'],
    ...(a.collector ? { collectorUrl: a.collector } : {}),
    ...(token ? { token } : {}),
    ...(gpu !== undefined ? { gpu } : {}),
    backend: a.backend,
    torch: {
      device: a['torch-device'],
      precision: a.precision,
      cudnnBenchmark: a['cudnn-benchmark'],
      ...(a.python ? { python: a.python } : {}),
    },
    power: a.power,
    intervalMs: positiveInt('interval-ms', a['interval-ms']),
    timing: {
      warmupRuns: positiveInt('warmup', a.warmup, 0),
      minRuns: positiveInt('runs', a.runs),
      minDurationMs: positiveInt('min-duration-ms', a['min-duration-ms'], 0),
      budgetMs: positiveInt('budget-ms', a['budget-ms']),
    },
    timingProtocol: a.timing,
    blockTiming: {
      targetRel: percent('target-pct', a['target-pct'], false) / 100,
      blockMs: positiveNumber('block-ms', a['block-ms']),
      ciMethod: a.ci,
    },
    revisitShare: percent('revisit-pct', a['revisit-pct'], true) / 100,
    measure: {
      ...(a['power-window-ms'] !== undefined
        ? { powerWindowMs: positiveInt('power-window-ms', a['power-window-ms']) }
        : {}),
      minSamples: positiveInt('min-samples', a['min-samples']),
      cooldownMs: positiveInt('cooldown-ms', a['cooldown-ms'], 0),
    },
    idleMs: positiveInt('idle-ms', a['idle-ms'], 0),
    ...(a.out ? { outFile: a.out } : {}),
    ...(a['nvidia-smi'] ? { nvidiaSmiCommand: a['nvidia-smi'] } : {}),
    ...(a['powercap-root'] ? { powercapRoot: a['powercap-root'] } : {}),
    ...(withSweep ? { sweep: sweepFromArgs(a) } : {}),
    ...(a.campaign ? { campaign: a.campaign } : {}),
    ...(a['lease-batch'] !== undefined ? { leaseBatch: positiveInt('lease-batch', a['lease-batch']) } : {}),
    ...(a['metrics-port'] !== undefined
      ? { metricsPort: metricsPort(a['metrics-port']), metricsHost: a['metrics-host'] }
      : {}),
  };
}
