import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { CheckResult } from '../check.js';
import { probePlatform } from '../discovery/probe.js';
import {
  ENGINE_CHOICES,
  type EngineChoice,
  type TORCH_DEVICES,
  type TORCH_PRECISIONS,
} from '../engine/choices.js';

interface CheckArgs {
  backend: EngineChoice;
  python?: string;
  'torch-device': (typeof TORCH_DEVICES)[number];
  precision: (typeof TORCH_PRECISIONS)[number];
  'cudnn-benchmark': boolean;
  'nvidia-smi'?: string;
  'target-pct': number;
  'tolerance-pct'?: number;
  'budget-ms': number;
  'min-run-ms'?: number;
  json: boolean;
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

function report(r: CheckResult): string[] {
  const lines = [
    `${r.pass ? 'PASS' : 'FAIL'}: this machine ${r.pass ? 'can' : 'cannot'} currently measure within ±${pct(r.targetRel)} ` +
      `(${r.engine} ${r.backend}, ${r.clock} clock; load ${r.loadAverage.map((v) => v.toFixed(2)).join(' ')} on ${r.cores} cores)`,
    `synchronisation overhead: ${(r.syncOverhead.syncOverheadMs * 1000).toFixed(1)} µs per sync; ` +
      `reference layers grown to at least ${r.minRunMs.toFixed(3)} ms per run`,
  ];
  for (const l of r.layers) {
    lines.push(
      `  ${l.pass ? 'ok  ' : 'FAIL'} ${l.name.padEnd(31)} ${l.first.medianMs.toFixed(4)} ms ±${pct(l.first.ciHalfWidthRel)} · ` +
        `${l.second.medianMs.toFixed(4)} ms ±${pct(l.second.ciHalfWidthRel)} · difference ${pct(l.differenceRel)}`,
    );
  }
  for (const why of r.reasons) lines.push(`  ${why}`);
  return lines;
}

function positive(flag: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${flag} must be a positive number (got ${v})`);
  return v;
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe:
    'measure reference layers twice and say whether this machine can measure within target now (exit 0 pass, 1 fail)',
  builder: (y: Argv) =>
    y
      // --python, --torch-device, --precision and --cudnn-benchmark come from `agent` (global options).
      .option('backend', {
        choices: ENGINE_CHOICES,
        default: 'auto' as const,
        describe: 'engine, as for a sweep: auto tries torch on CUDA first when nvidia-smi finds a GPU',
      })
      .option('target-pct', {
        type: 'number',
        default: 2,
        describe: 'wanted ± half-width of each median’s 95 % interval',
      })
      .option('tolerance-pct', {
        type: 'number',
        describe: 'largest difference allowed between the two passes (default twice --target-pct)',
      })
      .option('budget-ms', { type: 'number', default: 3000, describe: 'time per reference layer and pass' })
      .option('min-run-ms', {
        type: 'number',
        describe:
          'grow each reference layer’s batch until a run takes this long (default 50 synchronisations, at least 0.1 ms: on a GPU the layers would otherwise time the launch rate)',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'machine-readable output',
      }) as Argv<CheckArgs>,
  handler: async (args: ArgumentsCamelCase<CheckArgs>) => {
    const targetRel = positive('target-pct', args['target-pct']) / 100;
    const toleranceRel =
      args['tolerance-pct'] === undefined
        ? undefined
        : positive('tolerance-pct', args['tolerance-pct']) / 100;
    const budgetMs = positive('budget-ms', args['budget-ms']);
    const minRunMs =
      args['min-run-ms'] === undefined ? undefined : positive('min-run-ms', args['min-run-ms']);
    // Loaded on use: tfjs takes a moment to import.
    const { runCheck } = await import('../check.js');
    const nvidiaGpu =
      args.backend === 'auto' &&
      (await probePlatform(args['nvidia-smi'] ? { nvidiaSmiCommand: args['nvidia-smi'] } : {})).gpus.length >
        0;
    const result = await runCheck({
      backend: args.backend,
      nvidiaGpu,
      torch: {
        device: args['torch-device'],
        precision: args.precision,
        cudnnBenchmark: args['cudnn-benchmark'],
        ...(args.python ? { python: args.python } : {}),
      },
      targetRel,
      budgetMs,
      ...(toleranceRel !== undefined ? { toleranceRel } : {}),
      ...(minRunMs !== undefined ? { minRunMs } : {}),
    });
    process.stdout.write(
      args.json ? `${JSON.stringify(result, null, 2)}\n` : `${report(result).join('\n')}\n`,
    );
    process.exitCode = result.pass ? 0 : 1;
  },
};
