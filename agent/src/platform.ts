import type { PlatformDeclaration, PlatformInput } from '@neuralpower/protocol';
import { platformFingerprint } from '@neuralpower/protocol';
import type { GpuInfo } from './discovery/gpu.js';
import type { PlatformProbe } from './discovery/probe.js';
import type { Engine } from './engine/engine.js';

/**
 * The platform records are filed under. A GPU platform only when the engine verifiably runs on
 * that GPU; otherwise the CPU is what was measured, whatever GPUs the machine has.
 */
export function declarePlatform(
  probe: PlatformProbe,
  engine: Engine,
  gpu: GpuInfo | undefined,
): PlatformDeclaration {
  const onGpu = engine.device === 'gpu' && gpu !== undefined && gpu.name !== undefined;
  const input: PlatformInput = onGpu
    ? {
        kind: 'gpu',
        gpuName: gpu.name!,
        driverVersion: gpu.driverVersion ?? probe.driverVersion ?? 'unknown',
        enforcedPowerLimitW: gpu.enforcedPowerLimitW ?? gpu.powerLimitW ?? null,
        engine: engine.identity,
      }
    : { kind: 'cpu', cpuModel: probe.cpu.model, engine: engine.identity };
  const details: Record<string, string | number | boolean> = {};
  if (onGpu) {
    if (gpu.uuid) details['uuid'] = gpu.uuid;
    if (gpu.memoryTotalMiB !== undefined) details['memoryTotalMiB'] = gpu.memoryTotalMiB;
    if (gpu.computeCap) details['computeCap'] = gpu.computeCap;
    if (gpu.maxSmClockMHz !== undefined) details['maxSmClockMHz'] = gpu.maxSmClockMHz;
    if (gpu.migMode) details['migMode'] = gpu.migMode;
    if (probe.cudaVersion) details['cudaVersion'] = probe.cudaVersion;
  } else {
    details['logicalCores'] = probe.cpu.logicalCores;
    details['arch'] = probe.cpu.arch;
  }
  const fp = platformFingerprint(input);
  return { id: fp.id, description: fp.description, input, details };
}
