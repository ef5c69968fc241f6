/**
 * `nvidia-smi -L`: one `GPU i: NAME (UUID: …)` line per GPU, followed by indented
 * `MIG 3g.40gb Device 0: (UUID: MIG-…)` lines when MIG is on. MIG instances are separate devices
 * for a workload (CUDA_VISIBLE_DEVICES=MIG-…) but share the parent's power reading.
 */
export interface ListedMigDevice {
  readonly profile: string;
  readonly deviceIndex: number;
  readonly uuid: string;
}

export interface ListedGpu {
  readonly index: number;
  readonly name: string;
  readonly uuid: string;
  readonly mig: readonly ListedMigDevice[];
}

export function parseNvidiaSmiList(text: string): ListedGpu[] {
  const gpus: { index: number; name: string; uuid: string; mig: ListedMigDevice[] }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const gpu = line.match(/^GPU (\d+): (.*?) \(UUID: ([^)]+)\)/);
    if (gpu) {
      gpus.push({ index: Number(gpu[1]), name: gpu[2]!.trim(), uuid: gpu[3]!.trim(), mig: [] });
      continue;
    }
    const mig = line.match(/^\s+MIG (\S+)\s+Device\s+(\d+): \(UUID: ([^)]+)\)/);
    if (mig && gpus.length > 0) {
      gpus[gpus.length - 1]!.mig.push({
        profile: mig[1]!,
        deviceIndex: Number(mig[2]),
        uuid: mig[3]!.trim(),
      });
    }
  }
  return gpus;
}
