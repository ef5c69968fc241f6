import type { GpuInfo } from '../discovery/gpu.js';
import type { RaplZone } from '../discovery/rapl.js';
import { NoPowerSampler } from './none/index.js';
import { NvidiaSmiSampler } from './nvidia-smi/index.js';
import { NvmlSampler } from './nvml/index.js';
import { RaplSampler } from './rapl/index.js';
import type { PowerSampler } from './sampler.js';

export const POWER_CHOICES = ['auto', 'nvml', 'nvidia-smi', 'rapl', 'none'] as const;
export type PowerChoice = (typeof POWER_CHOICES)[number];

export interface PowerContext {
  /** The GPU being measured, when the engine runs on one. */
  readonly gpu?: GpuInfo;
  readonly supportedFields: readonly string[];
  readonly raplZones: readonly RaplZone[];
  readonly intervalMs: number;
  readonly nvidiaSmiCommand?: string;
  /** libnvidia-ml path (default `$NEURALPOWER_NVML_LIBRARY` or `libnvidia-ml.so.1`). */
  readonly nvmlLibrary?: string;
  readonly onWarning?: (message: string) => void;
}

/**
 * One line per source. `auto` measures the device the engine runs on: the GPU's own power when
 * layers run on a GPU, the CPU packages' RAPL energy when they run on the CPU, otherwise nothing.
 * Measuring a GPU's power while the layers run on the CPU would describe the wrong device.
 */
export function createPowerSampler(
  choice: PowerChoice,
  device: 'gpu' | 'cpu',
  ctx: PowerContext,
): { sampler: PowerSampler; note?: string } {
  const nvidia = () => {
    if (!ctx.gpu) throw new Error('power source nvidia-smi needs a GPU, and none was found');
    return new NvidiaSmiSampler({
      gpuIndex: ctx.gpu.index,
      intervalMs: ctx.intervalMs,
      supportedFields: ctx.supportedFields,
      ...(ctx.nvidiaSmiCommand ? { command: ctx.nvidiaSmiCommand } : {}),
      ...(ctx.onWarning ? { onWarning: ctx.onWarning } : {}),
    });
  };
  const nvml = () => {
    if (!ctx.gpu) throw new Error('power source nvml needs a GPU, and none was found');
    return new NvmlSampler({
      gpuIndex: ctx.gpu.index,
      // The counter moves on its own period; polling often stamps each move close to when it happened.
      intervalMs: Math.min(ctx.intervalMs, 5),
      ...(ctx.nvmlLibrary ? { library: ctx.nvmlLibrary } : {}),
      ...(ctx.onWarning ? { onWarning: ctx.onWarning } : {}),
    });
  };
  const rapl = () => {
    const readable = ctx.raplZones.filter((z) => z.readable);
    if (readable.length === 0) {
      const why = ctx.raplZones.length === 0 ? 'no RAPL package zone exists' : ctx.raplZones[0]!.reason;
      throw new Error(`power source rapl is not usable: ${why}`);
    }
    return new RaplSampler({
      zones: readable,
      intervalMs: ctx.intervalMs,
      ...(ctx.onWarning ? { onWarning: ctx.onWarning } : {}),
    });
  };
  switch (choice) {
    case 'nvidia-smi':
      return { sampler: nvidia() };
    case 'nvml':
      try {
        return { sampler: nvml() };
      } catch (err) {
        throw new Error(`power source nvml is not usable: ${(err as Error).message}`);
      }
    case 'rapl':
      return { sampler: rapl() };
    case 'none':
      return { sampler: new NoPowerSampler('power disabled (--power none)') };
    case 'auto': {
      if (device === 'gpu' && ctx.gpu) {
        // NVML's energy counter first; nvidia-smi when the library does not load.
        try {
          return { sampler: nvml() };
        } catch (err) {
          ctx.onWarning?.(`NVML not used (${(err as Error).message}); sampling with nvidia-smi`);
          return { sampler: nvidia() };
        }
      }
      if (device === 'cpu') {
        try {
          return { sampler: rapl() };
        } catch (err) {
          const note = `power unavailable: ${(err as Error).message}`;
          return { sampler: new NoPowerSampler(note), note };
        }
      }
      const note = 'power unavailable: the engine runs on a GPU nvidia-smi does not report';
      return { sampler: new NoPowerSampler(note), note };
    }
  }
}
