import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { probePlatform } from '../discovery/probe.js';
import { createLogger } from '../log.js';
import type { RunAgentResult } from '../run.js';
import { checkCommand } from './check.js';
import { type AgentArgs, agentOptions, runOptionsFromArgs, sweepRequested } from './options.js';
import { probeCommand } from './probe.js';
import { runWorkers } from './workers.js';

function summary(r: RunAgentResult): string[] {
  const lines = [
    `platform ${r.platform.id}: ${r.platform.description}`,
    `power: ${r.powerSource === 'none' ? (r.powerNote ?? 'unavailable') : r.powerDescription}` +
      (r.achievedIntervalMs !== undefined ? ` (achieved ${r.achievedIntervalMs.toFixed(1)} ms)` : '') +
      (r.idlePowerW !== undefined ? `, idle ${r.idlePowerW.toFixed(1)} W` : ''),
  ];
  if (r.sweepId) {
    lines.push(
      `sweep ${r.sweepId}: ${r.measured} measured, ${r.skipped} skipped, ${r.failed} failed of ${r.planned}`,
    );
  }
  lines.push(
    r.pending === 0
      ? 'outbox empty: every record was acknowledged'
      : `${r.pending} record(s) wait in the outbox`,
  );
  if (r.rejected > 0)
    lines.push(`${r.rejected} record(s) were refused by the collector (kept in the state dir)`);
  if (r.aborted) lines.push('interrupted: run the same command again to resume');
  if (r.stoppedReason) lines.push(`stopped: ${r.stoppedReason}`);
  return lines;
}

/** Runs one agent (or one worker per GPU) until the sweep is done and the outbox drained. */
async function handle(args: AgentArgs, withSweep: boolean): Promise<void> {
  const options = runOptionsFromArgs(args, withSweep);
  if (args.gpu === 'all') {
    const probe = await probePlatform({
      ...(args['nvidia-smi'] ? { nvidiaSmiCommand: args['nvidia-smi'] } : {}),
    });
    if (probe.gpus.length > 1) {
      process.exitCode = await runWorkers(
        probe.gpus.map((g) => g.index),
        args['state-dir'],
        options.metricsPort,
      );
      return;
    }
  }
  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    // First signal: finish the current configuration and stop; second: stop now.
    if (signals > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Loaded on use: tfjs takes a moment to import and other commands do not need it.
    const { runAgent } = await import('../run.js');
    const result = await runAgent({
      ...options,
      logger: createLogger(args.json || process.stderr.isTTY ? 'warn' : 'info'),
      signal: controller.signal,
    });
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${summary(result).join('\n')}\n`);
    if (result.aborted) process.exitCode = 130;
    else if (result.stoppedReason) process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const sweepCommand: CommandModule<object, AgentArgs> = {
  command: 'sweep',
  describe: 'measure sampled layer configurations (and --network ones); stream them if --collector is given',
  // The options come from `agent` (yargs options are global): declaring them again here would
  // list every choice twice in --help.
  builder: (y: Argv) =>
    (y as Argv<AgentArgs>).example(
      '$0 agent sweep --kinds conv,fc,pool --count 50 --seed 7 --collector ws://HOST:7070 --token T',
      'a 150-configuration sweep streamed to a collector',
    ),
  handler: (args: ArgumentsCamelCase<AgentArgs>) => handle(args, true),
};

export const agentCommand: CommandModule<object, AgentArgs> = {
  command: 'agent',
  describe: 'measure layers on this machine and stream them to a collector (probe, sweep)',
  builder: (y: Argv) =>
    agentOptions(y)
      .command(probeCommand)
      .command(checkCommand)
      .command(sweepCommand)
      .example(
        '$0 agent --collector ws://HOST:7070 --token T --gpu all',
        'resume or drain, one worker per GPU',
      )
      .example('$0 agent probe --json', 'what this machine offers')
      .example('$0 agent check --backend wasm', 'can this machine measure within ±2 % right now?'),
  handler: (args: ArgumentsCamelCase<AgentArgs>) => handle(args, sweepRequested(args)),
};
