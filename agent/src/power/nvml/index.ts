import { nowMs, sleep } from '../../clock.js';
import type { GpuReading } from '../../discovery/gpu.js';
import { SampleStore, type SourceSample, StoredSampleSampler } from '../sampler.js';
import { NVML_ERROR_NOT_SUPPORTED, type NvmlDevice, NvmlError, NvmlLibrary } from './library.js';

export interface NvmlSamplerOptions {
  /** NVML index of the physical GPU. */
  readonly gpuIndex: number;
  /** Poll period, ms; the counter itself updates on its own period (reported, see below). */
  readonly intervalMs: number;
  /** Library path (default `$NEURALPOWER_NVML_LIBRARY` or `libnvidia-ml.so.1`). */
  readonly library?: string;
  readonly onWarning?: (message: string) => void;
}

/**
 * NVML power. With the energy counter (Volta and newer) a sample is taken each time the counter
 * moves: power = ΔE/Δt since its previous move, so a window integrates the counter exactly at its
 * update points. Without it (NVML_ERROR_NOT_SUPPORTED, pre-Volta) each poll is an instant-power
 * sample (NVML_FI_DEV_POWER_INSTANT, else nvmlDeviceGetPowerUsage). Whole physical GPU only: NVML
 * has no per-MIG-slice power.
 */
export class NvmlSampler extends StoredSampleSampler {
  readonly source = 'nvml' as const;
  readonly intervalMs: number;
  readonly description: string;
  /** `counter` (energy counter) or `instant` (power samples). */
  readonly mode: 'counter' | 'instant';
  private readonly nvml: NvmlLibrary;
  private readonly device: NvmlDevice;
  protected readonly store: SampleStore;
  private lastMove: { tMs: number; energyMj: number } | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** Loads the library and opens the GPU; throws one line when NVML is not usable. */
  constructor(private readonly options: NvmlSamplerOptions) {
    super();
    this.nvml = NvmlLibrary.open(options.library ?? process.env['NEURALPOWER_NVML_LIBRARY'] ?? undefined);
    this.device = this.nvml.device(options.gpuIndex);
    this.mode = this.counterSupported() ? 'counter' : 'instant';
    this.intervalMs = Math.max(1, Math.round(options.intervalMs));
    this.description =
      this.mode === 'counter'
        ? `NVML GPU ${options.gpuIndex} energy counter (polled every ${this.intervalMs} ms)`
        : `NVML GPU ${options.gpuIndex} instant power every ${this.intervalMs} ms (no energy counter)`;
    this.store = new SampleStore(this.intervalMs);
  }

  private counterSupported(): boolean {
    try {
      this.device.totalEnergyMj();
      return true;
    } catch (err) {
      if (err instanceof NvmlError && err.code === NVML_ERROR_NOT_SUPPORTED) return false;
      throw err;
    }
  }

  private reading(powerInstantW: number | undefined): GpuReading {
    const d = this.device;
    const r: Record<string, number | undefined> = {
      index: this.options.gpuIndex,
      powerInstantW,
      smClockMHz: d.smClockMHz(),
      memClockMHz: d.memClockMHz(),
      temperatureC: d.temperatureC(),
      throttleReasons: d.throttleReasons(),
    };
    return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as GpuReading;
  }

  /** One poll; returns the sample it stored, if any. */
  poll(tMs = nowMs()): SourceSample | undefined {
    try {
      if (this.mode === 'instant') {
        const powerW = this.device.instantPowerW();
        if (powerW === undefined) return undefined;
        const sample = { tMs, powerW, reading: this.reading(powerW) };
        this.store.push(sample);
        return sample;
      }
      const energyMj = this.device.totalEnergyMj();
      const prev = this.lastMove;
      if (prev && energyMj === prev.energyMj) return undefined;
      this.lastMove = { tMs, energyMj };
      if (!prev || tMs <= prev.tMs) return undefined;
      // mJ / ms = W
      const sample = {
        tMs,
        powerW: (energyMj - prev.energyMj) / (tMs - prev.tMs),
        reading: this.reading(undefined),
      };
      this.store.push(sample);
      return sample;
    } catch (err) {
      this.options.onWarning?.(`NVML read failed: ${(err as Error).message}`);
      return undefined;
    }
  }

  async start(): Promise<void> {
    if (this.timer) return;
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    // Two counter moves are needed for the first sample.
    const deadline = nowMs() + 2000;
    while (this.store.latest() === undefined && nowMs() < deadline) await sleep(this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.nvml.shutdown();
  }
}
