import { fmt, pct, table } from '@neuralpower/collector/format';
import {
  minNetworks,
  type NetworkPrediction,
  PAPER_RUNTIME_FLOOR_MS,
  type PowerModelSummary,
  powerModelSummaries,
  predictNetwork,
} from '@neuralpower/core';
import { loadNetwork } from '@neuralpower/networks';
import type { Argv, CommandModule } from 'yargs';
import { modelSetOf, readModels } from './model-files.js';
import { parseInputSize } from './networks.js';

interface PredictArgs {
  models?: string[];
  collector?: string;
  platform?: string;
  version?: number;
  network: string;
  batch?: number;
  input?: string;
  runtimeFloorMs?: number;
  json: boolean;
}

const opt = (v: number | null, f: (x: number) => string = fmt) => (v === null ? '-' : f(v));
/** A 90 % interval as `low–high`; absent (older collectors, `/1` models) prints `-`. */
const range = (r: { low: number; high: number } | null | undefined) =>
  r === null || r === undefined ? '-' : `${fmt(r.low)}–${fmt(r.high)}`;

/** One line on the network correction: what it learned from and what it did to the sum of layers. */
export function correctionText(c: NonNullable<NetworkPrediction['totals']['correction']>): string {
  const learned = `learned from ${c.networks} network${c.networks === 1 ? '' : 's'} (${c.records} end-to-end record${c.records === 1 ? '' : 's'})`;
  const cv = `leave-one-network-out error ${pct(c.cvRmspe)} (plain sum ${pct(c.identityCvRmspe)})`;
  if (c.form === 'identity') {
    return c.networks < minNetworks(1)
      ? `network correction: none (the plain sum), ${learned}; the plain sum misses them by ${pct(c.identityCvRmspe)} (RMS); a correction needs at least ${minNetworks(1)} networks`
      : `network correction: none beat the plain sum, ${learned}; ${cv}`;
  }
  if (!c.applied) {
    return `network correction (${c.form}, ${learned}) gives no positive total here: the plain sum ${fmt(c.uncorrectedRuntimeMs)} ms is shown`;
  }
  return `network correction (${c.form}, ${learned}): Σ layers ${fmt(c.uncorrectedRuntimeMs)} ms → ${fmt(c.runtimeMs)} ms; ${cv}${
    c.extrapolating ? '; this network lies outside the networks it learned from' : ''
  }`;
}

const BOUND_FROM = { platform: 'the platform', cv: 'cross-validation' } as const;

/**
 * One line on which power model family each kind uses. Summaries (a saturating model's idle and
 * limit) come from the model set or the collector; without them, the layers' families.
 */
export function powerFamiliesText(
  p: NetworkPrediction,
  summaries?: readonly PowerModelSummary[],
): string | null {
  const described =
    summaries ??
    [
      ...new Map(
        p.layers.flatMap((l) =>
          l.powerFamily && l.modelKind ? [[l.modelKind, l.powerFamily] as const] : [],
        ),
      ).entries(),
    ]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, family]) => ({
        kind,
        family,
        idleW: null,
        idleFrom: null,
        limitW: null,
        limitFrom: null,
      }));
  if (described.length === 0) return null;
  const parts = described.map((m) => {
    if (m.family === 'polynomial') return `${m.kind} polynomial`;
    const bound = (w: number | null, from: 'platform' | 'cv' | null) =>
      w === null ? '?' : `${fmt(w)} W${from === null ? '' : ` (${BOUND_FROM[from]})`}`;
    return `${m.kind} saturating (idle ${bound(m.idleW, m.idleFrom)}, limit ${bound(m.limitW, m.limitFrom)})`;
  });
  const saturating = described.some((m) => m.family === 'saturating');
  return `power models: ${parts.join(', ')}${saturating ? '; saturating power follows the predicted runtime' : ''}`;
}

export function predictionText(p: NetworkPrediction, powerModels?: readonly PowerModelSummary[]): string {
  const rows = p.layers.map((l) => [
    l.name,
    l.modelKind ?? l.kind,
    l.runtimeMs === null ? '-' : `${fmt(l.runtimeMs)}${l.runtimeFloored ? '*' : ''}`,
    range(l.runtimeRangeMs),
    opt(l.powerW),
    range(l.powerRangeW),
    opt(l.energyMj),
    opt(l.runtimeShare, (s) => pct(s)),
    opt(l.energyShare, (s) => pct(s)),
  ]);
  const t = p.totals;
  rows.push([
    'total',
    '',
    fmt(t.runtimeMs),
    range(t.runtimeRangeMs),
    opt(t.powerW),
    '',
    opt(t.energyMj),
    '',
    '',
  ]);
  const lines = [
    `${p.network}: batch ${p.batch}, ${t.layers} layers, ${t.coveredLayers} fully covered`,
    table(
      [
        'layer',
        'kind',
        'runtime ms',
        '90 % interval',
        'power W',
        'power interval',
        'energy mJ',
        'runtime',
        'energy',
      ],
      rows,
      new Set([2, 3, 4, 5, 6, 7, 8]),
    ),
    `runtime ${fmt(t.runtimeMs)} ms, power ${t.powerW === null ? 'unavailable' : `${fmt(t.powerW)} W`}, energy ${
      t.energyMj === null ? 'unavailable' : `${fmt(t.energyMj)} mJ`
    } per batch of ${p.batch}`,
  ];
  const c = t.correction;
  if (c) lines.push(correctionText(c));
  if (t.runtimeRangeMs) {
    const from = c?.calibratesInterval
      ? `the network correction's left-out networks`
      : `the layers' bounds added up`;
    lines.push(`90 % interval of the runtime: ${range(t.runtimeRangeMs)} ms (${from})`);
  }
  if (!t.powerAvailable)
    lines.push('no power models: runtime-only prediction (power and energy unavailable)');
  const families = powerFamiliesText(p, powerModels);
  if (families !== null) lines.push(families);
  if (p.layers.some((l) => l.runtimeFloored)) {
    lines.push(
      p.runtimeFloorMs === null
        ? '* raised to the fastest layer of its kind measured on this platform (the model’s training minimum)'
        : `* raised to the runtime floor of ${p.runtimeFloorMs} ms`,
    );
  }
  if (p.uncovered.length > 0) {
    const energyPartial = t.powerAvailable && !t.energyComplete;
    const partial = !t.runtimeComplete
      ? energyPartial
        ? 'runtime, power and energy totals cover'
        : 'runtime total covers'
      : 'power and energy totals cover';
    lines.push(`incomplete: ${p.uncovered.length} layers lack a model, so the ${partial} only the rest:`);
    for (const u of p.uncovered) lines.push(`  ${u.name}: ${u.reason}`);
  }
  const extrapolated = p.layers.filter((l) => l.outOfRange.length > 0);
  if (extrapolated.length > 0) {
    lines.push(
      `extrapolating beyond the training data on ${extrapolated.length} layers, e.g. ${extrapolated[0]!.name}: ${extrapolated[0]!.outOfRange.join(', ')}`,
    );
  }
  return lines.join('\n');
}

/** A read token for a collector whose reads are closed (no --public-read): $NEURALPOWER_TOKEN. */
function readToken(): { token?: string } {
  const token = process.env['NEURALPOWER_TOKEN'];
  return token ? { token } : {};
}

async function predictRemote(args: PredictArgs, collector: string): Promise<void> {
  if (args.platform === undefined)
    throw new Error('--collector needs --platform ID (see `neuralpower platforms`)');
  // Loaded only here: the local path needs no HTTP client.
  const { httpUrlOf, networkInputFromRef, predictViaCollector } = await import('@neuralpower/collector');
  const prediction = await predictViaCollector(
    httpUrlOf(collector),
    {
      platform: args.platform,
      network: networkInputFromRef(args.network),
      ...(args.runtimeFloorMs !== undefined ? { runtimeFloorMs: args.runtimeFloorMs } : {}),
      ...(args.version !== undefined ? { version: args.version } : {}),
      ...(args.batch !== undefined ? { batch: args.batch } : {}),
      ...(args.input !== undefined ? { input: parseInputSize(args.input) } : {}),
    },
    readToken(),
  );
  if (args.json) {
    process.stdout.write(`${JSON.stringify(prediction, null, 2)}\n`);
    return;
  }
  const models = prediction.models.map((m) => `${m.kind}/${m.target} v${m.version}`).join(', ');
  // Older collectors send no powerModels: the layers' families are described instead.
  process.stdout.write(
    `${predictionText(prediction, prediction.powerModels)}\nplatform ${prediction.platform}, models: ${models}\n`,
  );
}

export const predictCommand: CommandModule<object, PredictArgs> = {
  command: 'predict',
  describe: 'Predict per-layer and whole-network runtime, power and energy from fitted models',
  builder: (y: Argv) =>
    y
      .option('models', {
        type: 'string',
        array: true,
        describe: 'Model files or directories of *.json model files (repeatable); or use --collector',
      })
      .option('collector', {
        type: 'string',
        describe: "Predict with a collector's models instead (http://HOST:7070 or its ws:// agent URL)",
      })
      .option('platform', {
        type: 'string',
        describe: 'Platform id, with --collector (see `neuralpower platforms`)',
      })
      .option('version', {
        type: 'number',
        describe: "With --collector: the platform's models as of this version (default: current)",
      })
      .option('network', {
        type: 'string',
        demandOption: true,
        describe: 'Zoo name (vgg16, ...) or a Paleo / Keras / TF.js / ONNX / neuralpower JSON file',
      })
      .option('batch', { type: 'number', describe: 'Batch size (default: the network file’s, or 1)' })
      .option('input', { type: 'string', describe: 'Input height x width, e.g. 224x224' })
      .option('runtime-floor-ms', {
        type: 'number',
        default: PAPER_RUNTIME_FLOOR_MS,
        describe: 'Minimum predicted runtime per layer (the paper floors at 0.105 ms; 0 disables)',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print JSON',
      }) as unknown as Argv<PredictArgs>,
  handler: async (args) => {
    if (args.batch !== undefined && (!Number.isInteger(args.batch) || args.batch <= 0)) {
      throw new Error(`--batch must be a positive integer (got ${args.batch})`);
    }
    if (
      args.runtimeFloorMs !== undefined &&
      (!Number.isFinite(args.runtimeFloorMs) || args.runtimeFloorMs < 0)
    ) {
      throw new Error(`--runtime-floor-ms must be a number ≥ 0 (got ${args.runtimeFloorMs})`);
    }
    if (args.collector !== undefined) {
      await predictRemote(args, args.collector);
      return;
    }
    if (args.models === undefined)
      throw new Error('name the models: --models DIR|FILE, or --collector URL --platform ID');
    const models = modelSetOf(await readModels(args.models));
    const network = await loadNetwork(args.network, {
      ...(args.batch !== undefined ? { batch: args.batch } : {}),
      ...(args.input !== undefined ? { input: parseInputSize(args.input) } : {}),
    });
    const prediction = predictNetwork(
      network,
      models,
      args.runtimeFloorMs === undefined ? {} : { runtimeFloorMs: args.runtimeFloorMs },
    );
    const powerModels = powerModelSummaries(models);
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ ...prediction, powerModels }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${predictionText(prediction, powerModels)}\n`);
  },
};
