import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  type RunAgentResult,
  runAgent,
  SAMPLE_KINDS,
  silentLogger,
  TFJS_BACKENDS,
  type TfjsBackendChoice,
  TIMING_PROTOCOLS,
  type TimingProtocolName,
} from '@neuralpower/agent';
import {
  fetchValidation,
  listModels,
  type ModelListing,
  predictViaCollector,
  type RunningCollector,
  requestFit,
  startCollector,
  type ValidationEntry,
} from '@neuralpower/collector';
import { fmt, pct, table } from '@neuralpower/collector/format';
import type { Argv, CommandModule } from 'yargs';
import { predictionText } from './predict.js';

interface QuickstartArgs {
  dir: string;
  port: number;
  count: number;
  networks: string;
  validate: string;
  backend: TfjsBackendChoice;
  seed: number;
  serve: boolean;
  timing: TimingProtocolName;
}

const say = (text = '') => process.stdout.write(`${text}\n`);

/**
 * Port 7070 is the documented default; when something else holds it, any free port will do. Reads
 * are open (`--public-read`): a laptop on loopback, where the dashboard should just work.
 */
async function startLocalCollector(dbPath: string, port: number): Promise<RunningCollector> {
  try {
    return await startCollector({ db: dbPath, host: '127.0.0.1', port, fitEvery: 0, publicRead: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    say(`port ${port} is in use; the collector takes a free port instead`);
    return startCollector({ db: dbPath, host: '127.0.0.1', port: 0, fitEvery: 0, publicRead: true });
  }
}

function modelsText(listing: ModelListing): string {
  const rows = listing.current.map((pointer) => {
    const v = listing.versions.find(
      (x) => x.kind === pointer.kind && x.target === pointer.target && x.version === pointer.version,
    );
    const r = v?.report ?? {};
    return [
      pointer.kind,
      pointer.target,
      String(pointer.version),
      String(r.n ?? v?.trainingRows ?? '-'),
      String(r.modelSize ?? '-'),
      typeof r.rmspe === 'number' ? pct(r.rmspe) : '-',
      typeof r.rmse === 'number' ? fmt(r.rmse) : '-',
    ];
  });
  return table(
    ['kind', 'target', 'version', 'rows', 'size', 'CV RMSPE', 'CV RMSE'],
    rows,
    new Set([2, 3, 4, 5, 6]),
  );
}

function validationText(entries: readonly ValidationEntry[]): string {
  const rows: string[][] = [];
  for (const e of entries) {
    const latest = e.predictions[e.predictions.length - 1];
    rows.push([
      e.network,
      String(e.batch),
      fmt(e.measured.runtimeMs),
      latest ? fmt(latest.runtimeMs) : '-',
      latest ? `${latest.runtimeErrorPct.toFixed(1)} %` : (e.error ?? '-'),
      e.measured.powerW === null ? 'unavailable' : fmt(e.measured.powerW),
      latest?.powerW == null ? '-' : fmt(latest.powerW),
    ]);
  }
  return table(
    ['network', 'batch', 'measured ms', 'predicted ms', 'error', 'measured W', 'predicted W'],
    rows,
    new Set([1, 2, 3, 4, 5, 6]),
  );
}

function list(flag: string, text: string): string[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error(`--${flag} is empty`);
  return items;
}

async function measure(args: QuickstartArgs, collector: RunningCollector, token: string, stateDir: string) {
  const predictNetworks = list('networks', args.networks);
  const validate = list('validate', args.validate);
  say(
    `measuring: ${args.count} random configurations of each of ${SAMPLE_KINDS.length} layer kinds, the layers of ${predictNetworks.join(', ')}, and ${validate.join(', ')} end to end`,
  );
  const started = performance.now();
  const result: RunAgentResult = await runAgent({
    stateDir,
    collectorUrl: collector.wsUrl,
    token,
    backend: args.backend,
    power: 'auto',
    logger: silentLogger(),
    progress: process.stderr.isTTY,
    idleMs: 1000,
    sweep: {
      kinds: SAMPLE_KINDS,
      count: args.count,
      seed: args.seed,
      preset: 'small',
      zoo: predictNetworks,
      zooBatches: [1],
      networks: validate,
      networkBatch: 1,
    },
    // Short timing keeps the sweep within minutes on a 2-core CPU; GPU users run `agent sweep` with the defaults.
    // Blocks may spend the time of these 12 runs per configuration (at least 150 ms).
    timing: { warmupRuns: 2, minRuns: 10, budgetMs: 1500, minRunsUnderBudget: 3 },
    timingProtocol: args.timing,
    measure: { minSamples: 10, cooldownMs: 0 },
  });
  const seconds = (performance.now() - started) / 1000;
  say(
    `agent: ${result.measured} measured, ${result.skipped} already collected, ${result.failed} failed of ${result.planned} in ${seconds.toFixed(0)} s on ${result.platform.description}`,
  );
  say(
    result.powerSource === 'none'
      ? `power is unavailable on this machine (${result.powerNote ?? result.powerDescription}): showing runtime only, no power or energy is invented`
      : `power: ${result.powerDescription}`,
  );
  if (result.pending > 0) throw new Error(`${result.pending} records did not reach the collector`);
  return { result, predictNetworks };
}

async function run(args: QuickstartArgs): Promise<void> {
  const dir = path.resolve(args.dir);
  mkdirSync(dir, { recursive: true });
  const dbPath = path.join(dir, 'neuralpower.db');
  const stateDir = path.join(dir, 'agent');
  const collector = await startLocalCollector(dbPath, args.port);
  let keepServing = false;
  // A fresh token per run (only hashes are stored, so an earlier run's secret is gone), revoked at
  // the end so quickstarts leave no live credential behind.
  const tokenName = `quickstart-${Date.now()}`;
  try {
    say(`collector: ${collector.url} (database ${dbPath})`);
    // The local agent streams (agent) and the run fits (admin).
    const { token } = await collector.context.tokens.create(tokenName, ['agent', 'admin']);
    say(`token: ${tokenName} created for the local agent`);

    const { result, predictNetworks } = await measure(args, collector, token, stateDir);
    const platform = result.platform.id;

    say('\nfitting models (Lasso over polynomial terms, λ by cross-validation)...');
    const fit = await requestFit(collector.url, platform, undefined, { token });
    for (const f of fit.fits) if (f.error) say(`  ${f.kind}: ${f.error}`);
    const listing = await listModels(collector.url, platform);
    say(`\nmodels of platform ${platform} (out-of-fold metrics):`);
    say(modelsText(listing));

    for (const name of predictNetworks) {
      const prediction = await predictViaCollector(collector.url, { platform, network: name, batch: 1 });
      say(`\n${predictionText(prediction)}`);
    }

    const validation = (await fetchValidation(collector.url, platform)) as { networks?: ValidationEntry[] };
    if (validation.networks && validation.networks.length > 0) {
      say('\nmeasured end to end against predicted (latest model versions):');
      say(validationText(validation.networks));
    }

    say(`
the data stays in ${dbPath}; running quickstart again reuses it.
query it:
  neuralpower collector --db ${dbPath} --port 7070 --public-read   # serve it (HTTP + agents), dashboard at http://127.0.0.1:7070/
  neuralpower platforms --collector http://127.0.0.1:7070
  neuralpower models list --collector http://127.0.0.1:7070 --platform ${platform}
  neuralpower predict --collector http://127.0.0.1:7070 --platform ${platform} --network resnet50
  neuralpower export --collector http://127.0.0.1:7070 --platform ${platform} --format csv > measurements.csv
  curl http://127.0.0.1:7070/v1/platforms/${platform}/models`);
    keepServing = args.serve;
  } finally {
    if (keepServing) {
      say(`\nserving at ${collector.url} until interrupted (Ctrl-C)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    await collector.context.tokens.revoke(tokenName);
    await collector.close();
  }
}

export const quickstartCommand: CommandModule<object, QuickstartArgs> = {
  command: 'quickstart',
  describe:
    'Start a local collector on an embedded SQLite file and a local agent, sweep layers, fit models, and predict AlexNet, VGG-16 and ResNet-50',
  builder: (y: Argv) =>
    y
      .option('dir', {
        type: 'string',
        default: 'neuralpower-data',
        describe: 'where the database and the agent state live',
      })
      .option('port', { type: 'number', default: 7070, describe: 'collector port (a free one if taken)' })
      .option('count', { type: 'number', default: 40, describe: 'random configurations per layer kind' })
      .option('networks', {
        type: 'string',
        default: 'alexnet,vgg16,resnet50',
        describe: 'zoo networks whose layers are measured and which are predicted',
      })
      .option('validate', {
        type: 'string',
        default: 'alexnet',
        describe: 'networks measured end to end to check predictions against',
      })
      .option('backend', {
        choices: TFJS_BACKENDS,
        default: 'auto' as const,
        describe: 'tfjs backend for the local agent',
      })
      .option('seed', { type: 'number', default: 1, describe: 'sampling seed' })
      .option('timing', {
        choices: TIMING_PROTOCOLS,
        default: 'blocks' as const,
        describe: 'timing protocol (blocks with a confidence interval; runs: the older run-by-run)',
      })
      .option('serve', {
        type: 'boolean',
        default: false,
        describe: 'keep the collector running afterwards',
      }) as unknown as Argv<QuickstartArgs>,
  handler: async (args) => {
    if (!Number.isInteger(args.count) || args.count < 0) {
      throw new Error(`--count must be a whole number ≥ 0 (got ${args.count})`);
    }
    await run(args);
  },
};
