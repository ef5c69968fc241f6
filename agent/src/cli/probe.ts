import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { probePlatform } from '../discovery/probe.js';

interface ProbeArgs {
  json: boolean;
  'nvidia-smi'?: string;
  'powercap-root'?: string;
  'timeout-ms': number;
}

/** Whether the torch engine starts on CUDA here (tried only where nvidia-smi found a GPU). */
async function torchOnCuda(gpuFound: boolean): Promise<{ available: boolean; note: string }> {
  if (!gpuFound)
    return {
      available: false,
      note: 'not tried: no NVIDIA GPU (--backend torch --torch-device cpu runs it on the CPU)',
    };
  const { TorchEngine } = await import('../engine/torch/index.js');
  try {
    const engine = await TorchEngine.create({ device: 'cuda' });
    await engine.dispose();
    return { available: true, note: engine.notes.join('; ') };
  } catch (err) {
    return { available: false, note: (err as Error).message };
  }
}

export const probeCommand: CommandModule<object, ProbeArgs> = {
  command: 'probe',
  describe: 'show the GPUs, CPU, RAPL zones and engine backends this machine offers',
  builder: (y: Argv) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' })
      .option('nvidia-smi', { type: 'string', describe: 'path of nvidia-smi (default: found on PATH)' })
      .option('powercap-root', {
        type: 'string',
        describe: 'powercap sysfs root (default /sys/class/powercap)',
      })
      .option('timeout-ms', {
        type: 'number',
        default: 10_000,
        describe: 'nvidia-smi timeout',
      }) as Argv<ProbeArgs>,
  handler: async (args: ArgumentsCamelCase<ProbeArgs>) => {
    const probe = await probePlatform({
      ...(args['nvidia-smi'] ? { nvidiaSmiCommand: args['nvidia-smi'] } : {}),
      ...(args['powercap-root'] ? { powercapRoot: args['powercap-root'] } : {}),
      timeoutMs: args['timeout-ms'],
    });
    const { availableBackends } = await import('../engine/tfjs/backends.js');
    const backends = await availableBackends();
    const torch = await torchOnCuda(probe.gpus.length > 0);
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ ...probe, backends, torch }, null, 2)}\n`);
      return;
    }
    const out: string[] = [];
    if (probe.gpus.length === 0) out.push(`GPUs: none (${probe.gpuUnavailableReason})`);
    else {
      out.push(`GPUs (driver ${probe.driverVersion ?? '?'}, CUDA ${probe.cudaVersion ?? '?'}):`);
      for (const g of probe.gpus) {
        const limit =
          g.enforcedPowerLimitW !== undefined ? `${g.enforcedPowerLimitW} W limit` : 'power limit n/a';
        out.push(
          `  ${g.index}: ${g.name ?? '?'} ${g.uuid ?? ''} ${g.pciBusId ?? ''} ${g.memoryTotalMiB ?? '?'} MiB, ${limit}, ` +
            `SM ≤ ${g.maxSmClockMHz ?? '?'} MHz, compute ${g.computeCap ?? 'n/a'}${g.migMode ? `, MIG ${g.migMode}` : ''}`,
        );
        for (const m of g.mig) out.push(`     MIG ${m.profile} device ${m.deviceIndex}: ${m.uuid}`);
      }
    }
    out.push(`CPU: ${probe.cpu.model} (${probe.cpu.logicalCores} logical cores, ${probe.cpu.arch})`);
    if (probe.raplZones.length === 0) out.push('RAPL: no package zone');
    for (const z of probe.raplZones) out.push(`RAPL ${z.name}: ${z.readable ? 'readable' : z.reason}`);
    out.push('tfjs backends:');
    for (const b of backends)
      out.push(`  ${b.backend}: ${b.available ? 'available' : 'unavailable'}${b.note ? ` (${b.note})` : ''}`);
    out.push(`torch: ${torch.available ? 'available' : 'unavailable'} (${torch.note})`);
    for (const w of probe.warnings) out.push(`warning: ${w}`);
    process.stdout.write(`${out.join('\n')}\n`);
  },
};
