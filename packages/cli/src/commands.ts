import type { CommandModule } from 'yargs';

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types.
export type AnyCommand = CommandModule<any, any>;

/**
 * A top-level command, loaded only when it runs: the agent pulls in TensorFlow.js and the collector
 * SQLite, and `neuralpower networks list` should not wait for either.
 */
export interface LazyCommand {
  readonly name: string;
  /** One line for the top-level --help (the module's own describe shows under `<name> --help`). */
  readonly describe: string;
  load(): Promise<AnyCommand>;
}

/**
 * Every `neuralpower` command. A package adds its commands with one entry here;
 * the modules themselves live with the package that implements them.
 */
export const commands: readonly LazyCommand[] = [
  {
    name: 'quickstart',
    describe:
      'Local collector + agent on an embedded SQLite file: sweep, fit, predict AlexNet, VGG-16, ResNet-50',
    load: async () => (await import('./commands/quickstart.js')).quickstartCommand,
  },
  {
    name: 'networks',
    describe: 'Inspect network descriptions: the model zoo and imported files',
    load: async () => (await import('./commands/networks.js')).networksCommand,
  },
  {
    name: 'fit',
    describe: 'Fit a per-layer runtime or power model (Lasso, cross-validated) from a measurement file',
    load: async () => (await import('./commands/fit.js')).fitCommand,
  },
  {
    name: 'predict',
    describe: 'Predict per-layer and whole-network runtime, power and energy from fitted models',
    load: async () => (await import('./commands/predict.js')).predictCommand,
  },
  {
    name: 'collector',
    describe: 'Run the collector (agent ingest, SQLite store, model versions, HTTP API); manage tokens',
    load: async () => (await import('@neuralpower/collector')).collectorCommand,
  },
  {
    name: 'platforms',
    describe: 'List the platforms a collector knows, or show one',
    load: async () => (await import('@neuralpower/collector')).platformsCommand,
  },
  {
    name: 'models',
    describe: "A collector's per-platform model versions: list, show, rollback, fit",
    load: async () => (await import('@neuralpower/collector')).modelsCommand,
  },
  {
    name: 'campaign',
    describe: 'Measurement campaigns on a collector: create, list, show, stop',
    load: async () => (await import('@neuralpower/collector')).campaignCommand,
  },
  {
    name: 'export',
    describe: "Download a collector's measurements as CSV (filter by platform, kind, time)",
    load: async () => (await import('@neuralpower/collector')).exportCommand,
  },
  {
    name: 'measurements',
    describe: "Exclude, include or delete a collector's measurements (audited, then refit)",
    load: async () => (await import('@neuralpower/collector')).measurementsCommand,
  },
  {
    name: 'agent',
    describe: 'Measure layers on this machine and stream them to a collector (probe, sweep)',
    load: async () => (await import('@neuralpower/agent/cli')).agentCommand,
  },
];
