import { describeLayer, type LayerConfig, type Network, parseLayerSpec } from '@neuralpower/core';
import type { EngineIdentity } from '@neuralpower/protocol';
import { z } from 'zod';
import { nowMs } from '../../clock.js';
import type { BlockTimingRequest, Engine, PreparedWork } from '../engine.js';
import {
  loopSchema,
  preparedSchema,
  type TorchDevice,
  type TorchHello,
  type TorchPrecision,
  timedSchema,
} from './protocol.js';
import { TorchWorker, type TorchWorkerOptions } from './worker.js';

export { TORCH_DEVICES, TORCH_PRECISIONS, type TorchDevice, type TorchPrecision } from './protocol.js';

export interface TorchEngineOptions {
  readonly python?: string;
  /** `cuda` (default) or `cpu`; torch on the CPU is only used when asked for. */
  readonly device?: TorchDevice;
  /** Default fp32 with TF32 off. */
  readonly precision?: TorchPrecision;
  /** cudnn.benchmark (default on). */
  readonly cudnnBenchmark?: boolean;
  readonly threads?: number;
  /** The GPU to run on (UUID or index), exported to the worker as CUDA_VISIBLE_DEVICES. */
  readonly cudaVisibleDevice?: string;
  readonly startTimeoutMs?: number;
  /** Timeout for building a layer or network (default 120 s). */
  readonly prepareTimeoutMs?: number;
  /** Added to a timing request's own budget before the worker counts as hung (default 60 s). */
  readonly timeoutSlackMs?: number;
  /** Extra environment for the worker (tests inject faults). */
  readonly env?: NodeJS.ProcessEnv;
}

/** CLOCK_MONOTONIC ns (the worker's clock) → the host's performance.now() ms: same clock on Linux. */
function monotonicNsToHostMs(ns: number): number {
  return ns / 1e6 + (nowMs() - Number(process.hrtime.bigint()) / 1e6);
}

function identityOf(hello: TorchHello): EngineIdentity {
  const settings: Record<string, string> = {
    precision: hello.precision,
    ...(hello.device === 'cuda'
      ? {
          cuda: hello.cuda ?? 'unknown',
          cudnn: hello.cudnn === null ? 'none' : String(hello.cudnn),
          'cudnn.benchmark': hello.cudnnBenchmark ? 'on' : 'off',
        }
      : { threads: String(hello.threads) }),
    ...(hello.gpu
      ? { gpu: hello.gpu.name, sms: String(hello.gpu.smCount), memoryMiB: String(hello.gpu.memoryMiB) }
      : {}),
  };
  return { name: 'torch', backend: hello.device, version: hello.torch, settings };
}

/**
 * Runs layers in a long-lived Python torch worker (one per GPU). Timing happens inside the worker
 * (blocks of K runs, one synchronisation per block); the statistics are computed here. A worker that
 * dies, hangs or answers garbage fails the configuration it was on and is restarted for the next.
 */
export class TorchEngine implements Engine {
  private restarts = 0;
  readonly identity: EngineIdentity;
  readonly device: 'gpu' | 'cpu';

  private constructor(
    private worker: TorchWorker,
    readonly hello: TorchHello,
    private readonly workerOptions: TorchWorkerOptions,
    private readonly options: TorchEngineOptions,
    readonly notes: readonly string[],
  ) {
    this.identity = identityOf(hello);
    this.device = hello.device === 'cuda' ? 'gpu' : 'cpu';
  }

  /** Starts the worker; rejects with one line saying why torch cannot run here. */
  static async create(options: TorchEngineOptions = {}): Promise<TorchEngine> {
    const workerOptions: TorchWorkerOptions = {
      python: options.python ?? process.env['NEURALPOWER_PYTHON'] ?? 'python3',
      device: options.device ?? 'cuda',
      precision: options.precision ?? 'fp32',
      cudnnBenchmark: options.cudnnBenchmark ?? true,
      threads: options.threads ?? 0,
      startTimeoutMs: options.startTimeoutMs ?? 120_000,
      ...(options.cudaVisibleDevice !== undefined ? { cudaVisibleDevice: options.cudaVisibleDevice } : {}),
      ...(options.env ? { env: options.env } : {}),
    };
    const { worker, hello } = await TorchWorker.start(workerOptions);
    const notes = [
      `torch ${hello.torch} on ${hello.gpu ? `${hello.gpu.name} (CUDA ${hello.cuda}, cuDNN ${hello.cudnn})` : 'the CPU'}, ${hello.precision}`,
    ];
    return new TorchEngine(worker, hello, workerOptions, options, notes);
  }

  /** Worker restarts after a crash, hang or garbage answer. */
  get restartCount(): number {
    return this.restarts;
  }

  /** The live worker, restarted if the previous one died (its configuration already failed). */
  private async live(): Promise<TorchWorker> {
    if (this.worker.alive) return this.worker;
    this.restarts++;
    this.worker = (await TorchWorker.start(this.workerOptions)).worker;
    return this.worker;
  }

  /** The worker's process id (tests kill it). */
  get workerPid(): number | undefined {
    return this.worker.pid;
  }

  private work(worker: TorchWorker, handle: number): PreparedWork {
    let pendingRuns = 0;
    const slack = this.options.timeoutSlackMs ?? 60_000;
    return {
      run: () => {
        pendingRuns++;
      },
      synchronise: async () => {
        const runs = pendingRuns;
        pendingRuns = 0;
        if (runs > 0) await worker.request('run', { handle, runs }, okOnly, slack);
      },
      timeBlocks: async (req: BlockTimingRequest) =>
        worker.request('time', { handle, ...req }, timedSchema, req.budgetMs + slack),
      runBackToBack: async (minDurationMs: number, minRuns: number) => {
        const r = await worker.request(
          'loop',
          { handle, minDurationMs, minRuns },
          loopSchema,
          minDurationMs + slack,
        );
        return { runs: r.runs, t0Ms: monotonicNsToHostMs(r.startNs), t1Ms: monotonicNsToHostMs(r.endNs) };
      },
      dispose: () => {
        if (worker.alive) worker.request('dispose', { handle }, okOnly, slack).catch(() => {});
      },
    };
  }

  private async prepareOn(body: Record<string, unknown>, expected: readonly number[], what: string) {
    const worker = await this.live();
    const prepared = await worker.request(
      'prepare',
      body,
      preparedSchema,
      this.options.prepareTimeoutMs ?? 120_000,
    );
    const actual = prepared.outputShape;
    if (actual.length !== expected.length || actual.some((v, i) => v !== expected[i])) {
      worker.request('dispose', { handle: prepared.handle }, okOnly, 10_000).catch(() => {});
      throw new Error(
        `${what}: torch output [${actual.join(', ')}] differs from the core's [${expected.join(', ')}]`,
      );
    }
    return this.work(worker, prepared.handle);
  }

  async prepare(config: LayerConfig): Promise<PreparedWork> {
    // A spec the core refuses never reaches the worker.
    parseLayerSpec(config.spec);
    const instance = describeLayer(config);
    return this.prepareOn(
      { layer: { spec: config.spec, inputs: config.inputs, batch: config.batch } },
      [config.batch, ...instance.output],
      config.spec.kind,
    );
  }

  async prepareNetwork(network: Network): Promise<PreparedWork> {
    for (const layer of network.layers) {
      try {
        parseLayerSpec(layer.spec);
      } catch (err) {
        throw new Error(`layer ${JSON.stringify(layer.name)}: ${(err as Error).message}`);
      }
    }
    const last = network.layers[network.layers.length - 1];
    if (!last) throw new Error(`network ${network.name} has no layers`);
    const layers = network.layers.map((l) => ({
      name: l.name,
      spec: l.spec,
      inputs: l.inputs,
      parents: l.parents,
    }));
    return this.prepareOn(
      { network: { batch: network.batch, input: network.input, layers } },
      [network.batch, ...last.output],
      `network ${network.name}`,
    );
  }

  async dispose(): Promise<void> {
    await this.worker.stop();
  }
}

/** Answers that carry nothing but ok. */
const okOnly = z.object({});
