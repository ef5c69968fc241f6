import { type CpuInfo, cpuInfo } from './cpu.js';
import type { GpuInfo } from './gpu.js';
import { probeNvidiaSmi } from './nvidia-smi.js';
import { DEFAULT_POWERCAP_ROOT, discoverRaplZones, type RaplZone } from './rapl.js';

export interface ProbeOptions {
  readonly nvidiaSmiCommand?: string;
  readonly timeoutMs?: number;
  readonly powercapRoot?: string;
}

/** Everything the agent found about this machine's measurable devices. */
export interface PlatformProbe {
  readonly gpus: readonly GpuInfo[];
  /** Why no GPU is listed, when none is. */
  readonly gpuUnavailableReason?: string;
  readonly driverVersion?: string;
  readonly cudaVersion?: string;
  readonly supportedFields: readonly string[];
  readonly cpu: CpuInfo;
  readonly raplZones: readonly RaplZone[];
  readonly warnings: readonly string[];
}

export async function probePlatform(options: ProbeOptions = {}): Promise<PlatformProbe> {
  const [nvidia, raplZones] = await Promise.all([
    probeNvidiaSmi({
      ...(options.nvidiaSmiCommand ? { command: options.nvidiaSmiCommand } : {}),
      timeoutMs: options.timeoutMs ?? 10_000,
    }),
    discoverRaplZones(options.powercapRoot ?? DEFAULT_POWERCAP_ROOT),
  ]);
  const cpu = cpuInfo();
  if (!nvidia.ok) {
    return {
      gpus: [],
      gpuUnavailableReason: `${nvidia.reason}; measuring on the CPU`,
      supportedFields: [],
      cpu,
      raplZones,
      warnings: [],
    };
  }
  return {
    gpus: nvidia.gpus,
    ...(nvidia.version.driverVersion ? { driverVersion: nvidia.version.driverVersion } : {}),
    ...(nvidia.version.cudaVersion ? { cudaVersion: nvidia.version.cudaVersion } : {}),
    supportedFields: nvidia.supportedFields,
    cpu,
    raplZones,
    warnings: nvidia.warnings,
  };
}
