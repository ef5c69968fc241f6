import os from 'node:os';

export interface CpuInfo {
  readonly model: string;
  readonly logicalCores: number;
  readonly arch: string;
  readonly platform: string;
}

export function cpuInfo(): CpuInfo {
  const cpus = os.cpus();
  return {
    model: cpus[0]?.model.trim() || 'unknown CPU',
    logicalCores: os.availableParallelism?.() ?? cpus.length,
    arch: process.arch,
    platform: process.platform,
  };
}
