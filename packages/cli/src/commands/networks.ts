import { table } from '@neuralpower/collector/format';
import { listZoo, loadNetwork, type NetworkSummary, summarizeNetwork } from '@neuralpower/networks';
import type { Argv, CommandModule } from 'yargs';

interface ShowArgs {
  network: string;
  batch?: number;
  input?: string;
  json: boolean;
}

/** `224x224` → [224, 224]; a bare `224` means square. */
export function parseInputSize(text: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:[xX×,]\s*(\d+))?\s*$/.exec(text);
  const h = m ? Number(m[1]) : Number.NaN;
  const w = m?.[2] !== undefined ? Number(m[2]) : h;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) {
    throw new Error(`--input must be HxW with positive integers, e.g. 224x224 (got ${JSON.stringify(text)})`);
  }
  return [h, w];
}

const dims = (s: readonly number[]) => s.join('x');

const count = (n: number) => n.toLocaleString('en-US');

/** What `networks list` prints. */
export function renderZooList(json: boolean): string {
  const zoo = listZoo();
  if (json) return JSON.stringify(zoo, null, 2);
  const rows = zoo.map((z) => [z.name, dims(z.defaultInput), z.description]);
  return table(['name', 'input', 'description'], rows, new Set());
}

/** What `networks show` prints for a network. */
export function renderNetwork(summary: NetworkSummary, json: boolean): string {
  if (json) return JSON.stringify(summary, null, 2);
  const rows = summary.layers.map((l) => [
    l.name,
    l.kind === 'unsupported' ? `unsupported (${l.sourceType})` : (l.modelKind ?? l.kind),
    l.inputs.map(dims).join(' + '),
    dims(l.output),
    count(l.params),
    count(l.macsPerExample),
  ]);
  rows.push(['total', '', '', '', count(summary.totals.params), count(summary.totals.macsPerExample)]);
  const out = [
    `${summary.name}: batch ${summary.batch}, input ${dims(summary.input)}, ${summary.layers.length} layers`,
    table(['layer', 'kind', 'input', 'output', 'params', 'MACs/example'], rows, new Set([4, 5])),
    `MACs per batch: ${count(summary.totals.macsPerBatch)}; FLOPs per example: ${count(summary.totals.flopsPerExample)}`,
  ];
  if (summary.unsupported.length > 0) {
    out.push(`unsupported layers (no performance model): ${summary.unsupported.join(', ')}`);
  }
  return out.join('\n');
}

/** Loads the network `show` names, validating --batch and --input. */
export async function loadForShow(args: {
  network: string;
  batch?: number;
  input?: string;
}): Promise<NetworkSummary> {
  if (args.batch !== undefined && (!Number.isInteger(args.batch) || args.batch <= 0)) {
    throw new Error(`--batch must be a positive integer (got ${args.batch})`);
  }
  const network = await loadNetwork(args.network, {
    ...(args.batch !== undefined ? { batch: args.batch } : {}),
    ...(args.input !== undefined ? { input: parseInputSize(args.input) } : {}),
  });
  return summarizeNetwork(network);
}

const list: CommandModule<object, { json: boolean }> = {
  command: 'list',
  describe: 'List the built-in model zoo',
  builder: (y: Argv) => y.option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  handler: (args) => {
    process.stdout.write(`${renderZooList(args.json)}\n`);
  },
};

const show: CommandModule<object, ShowArgs> = {
  command: 'show <network>',
  describe:
    'Show a network layer by layer: kind, input and output shapes, parameters, MACs (zoo name, or a Paleo / Keras / TF.js / ONNX / neuralpower JSON file)',
  builder: (y: Argv) =>
    y
      .positional('network', { type: 'string', demandOption: true, describe: 'Zoo name or file path' })
      .option('batch', { type: 'number', describe: 'Batch size (default: the file’s, or 1)' })
      .option('input', { type: 'string', describe: 'Input height x width, e.g. 224x224' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print JSON',
      }) as unknown as Argv<ShowArgs>,
  handler: async (args) => {
    process.stdout.write(`${renderNetwork(await loadForShow(args), args.json)}\n`);
  },
};

export const networksCommand: CommandModule<object, object> = {
  command: 'networks',
  describe: 'Inspect network descriptions: the model zoo and imported files',
  builder: (y: Argv) =>
    y
      .command(list)
      .command(show)
      .demandCommand(1, 'Name a networks subcommand: list or show.') as unknown as Argv<object>,
  handler: () => {},
};
