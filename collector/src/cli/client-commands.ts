import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isNetworkCorrectionJson } from '@neuralpower/core';
import { checkJsonDepth, detectFormat } from '@neuralpower/networks';
import type { Argv, CommandModule } from 'yargs';
import {
  exportCsv,
  getModelVersion,
  getPlatform,
  httpUrlOf,
  listModels,
  listPlatforms,
  requestFit,
  rollbackModel,
} from '../client/index.js';
import type { NetworkInput } from '../predict/network-input.js';
import {
  collectorOption,
  fmt,
  pct,
  print,
  printJson,
  readTokenFrom,
  readTokenOption,
  table,
  tokenFrom,
  tokenOption,
} from './format.js';
import { networkCorrectionText } from './network-correction-format.js';
import { powerFamilyLine, saturatingModelText } from './power-model-format.js';
import { weightingText } from './weighting-format.js';

const jsonOption = { type: 'boolean' as const, default: false, describe: 'Print JSON' };
const platformOption = {
  type: 'string' as const,
  demandOption: true,
  describe: 'Platform id (see `neuralpower platforms`)',
};

export const platformsCommand: CommandModule<
  object,
  { collector: string; json: boolean; platform?: string; token?: string }
> = {
  command: 'platforms [platform]',
  describe: 'List the platforms a collector knows (or show one: counts per kind, agents, current models)',
  builder: (y: Argv) =>
    y
      .positional('platform', { type: 'string', describe: 'A platform id to show in detail' })
      .option('collector', collectorOption)
      .option('token', readTokenOption)
      .option('json', jsonOption) as unknown as Argv<{
      collector: string;
      json: boolean;
      platform?: string;
      token?: string;
    }>,
  handler: async (args) => {
    const url = httpUrlOf(args.collector);
    if (args.platform) {
      const p = await getPlatform(url, args.platform, readTokenFrom(args.token));
      if (args.json) return printJson(p);
      const counts = p['counts'] as Record<string, number>;
      const agents = p['agents'] as { id: string; host: string; lastSeenAt: string }[];
      print(`${p['id']}  ${p['description']}`);
      print(
        `measurements: ${
          Object.entries(counts)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ') || 'none'
        }`,
      );
      print(
        `agents: ${agents.map((a) => `${a.id} (${a.host}, last seen ${a.lastSeenAt})`).join('; ') || 'none'}`,
      );
      const models = p['models'] as { kind: string; target: string; version: number }[];
      print(
        `current models: ${models.map((m) => `${m.kind}/${m.target} v${m.version}`).join(', ') || 'none'}`,
      );
      return;
    }
    const platforms = await listPlatforms(url, readTokenFrom(args.token));
    if (args.json) return printJson(platforms);
    if (platforms.length === 0) return print(`the collector at ${url} has no platforms yet`);
    print(
      table(
        ['id', 'measurements', 'last seen', 'description'],
        platforms.map((p) => [p.id, String(p.measurements), p.lastSeenAt, p.description]),
        new Set([1]),
      ),
    );
  },
};

interface ModelsArgs {
  collector: string;
  platform: string;
  json: boolean;
  token?: string;
}

const modelsList: CommandModule<object, ModelsArgs> = {
  command: 'list',
  describe: "A platform's model versions with their cross-validated metrics; * marks current",
  builder: (y: Argv) =>
    y
      .option('collector', collectorOption)
      .option('platform', platformOption)
      .option('token', readTokenOption)
      .option('json', jsonOption) as unknown as Argv<ModelsArgs>,
  handler: async (args) => {
    const listing = await listModels(httpUrlOf(args.collector), args.platform, readTokenFrom(args.token));
    if (args.json) return printJson(listing);
    if (listing.versions.length === 0) return print(`platform ${args.platform} has no model versions yet`);
    print(
      table(
        ['version', 'kind', 'target', 'rows', 'RMSPE (CV)', 'RMSE (CV)', 'size', 'parent', 'created', ''],
        listing.versions.map((v) => [
          String(v.version),
          v.kind,
          v.target,
          String(v.trainingRows),
          pct(v.report.rmspe),
          fmt(v.report.rmse),
          String(v.report.modelSize ?? '-'),
          v.parentVersion === null ? '-' : String(v.parentVersion),
          v.createdAt,
          v.current ? '*' : '',
        ]),
        new Set([0, 3, 4, 5, 6, 7]),
      ),
    );
  },
};

const modelsShow: CommandModule<object, ModelsArgs & { version: number; out?: string }> = {
  command: 'show <version>',
  describe: 'One model version: metadata, fit report and the model JSON (--out writes the model file)',
  builder: (y: Argv) =>
    y
      .positional('version', { type: 'number', demandOption: true, describe: 'Model version number' })
      .option('collector', collectorOption)
      .option('platform', platformOption)
      .option('out', { type: 'string', describe: 'Write the model (neuralpower.model JSON) to this file' })
      .option('token', readTokenOption)
      .option('json', jsonOption) as unknown as Argv<ModelsArgs & { version: number; out?: string }>,
  handler: async (args) => {
    const v = await getModelVersion(
      httpUrlOf(args.collector),
      args.platform,
      args.version,
      readTokenFrom(args.token),
    );
    if (args.out) {
      createWriteStream(args.out).end(`${JSON.stringify(v['model'], null, 2)}\n`);
      process.stderr.write(`wrote ${args.out}\n`);
    }
    if (args.json) return printJson(v);
    if (isNetworkCorrectionJson(v['model'])) return print(networkCorrectionText(v));
    if ((v['model'] as { family?: unknown }).family === 'saturating') return print(saturatingModelText(v));
    const model = v['model'] as { terms: string[]; coefficients: number[]; intercept: number; unit: string };
    const report = v['report'] as Record<string, number | string>;
    print(
      `version ${v['version']}: ${v['kind']} ${v['target']} (${model.unit}), parent ${v['parentVersion'] ?? '-'}${v['current'] ? ', current' : ''}`,
    );
    print(`created ${v['createdAt']}, ${v['trainingRows']} rows, training set ${v['trainingSetHash']}`);
    print(
      `cross-validated: RMSPE ${pct(report['rmspe'] as number)}, RMSE ${fmt(report['rmse'] as number)} ${model.unit}, ` +
        `MAPE ${pct(report['mape'] as number)}, size ${report['modelSize']}, λ ${fmt(report['lambda'] as number)}`,
    );
    const family = powerFamilyLine(report);
    if (family !== null) print(family);
    const weighting = weightingText(report);
    if (weighting) print(weighting);
    const terms = model.terms.flatMap((t, i) =>
      model.coefficients[i] !== 0 ? [[t, fmt(model.coefficients[i]!, 6)]] : [],
    );
    print(table(['term', 'coefficient'], [['(intercept)', fmt(model.intercept, 6)], ...terms], new Set([1])));
  },
};

const modelsRollback: CommandModule<
  object,
  ModelsArgs & { kind: string; target: 'runtime' | 'power'; to?: number; token?: string }
> = {
  command: 'rollback',
  describe: "Move a kind+target's current pointer back (to its parent, or --to a version)",
  builder: (y: Argv) =>
    y
      .option('collector', collectorOption)
      .option('platform', platformOption)
      .option('kind', { type: 'string', demandOption: true, describe: 'Model kind, e.g. conv' })
      .option('target', { choices: ['runtime', 'power'] as const, demandOption: true, describe: 'Target' })
      .option('to', {
        type: 'number',
        describe: 'Version to point at (default: the current version’s parent)',
      })
      .option('token', tokenOption)
      .option('json', jsonOption) as unknown as Argv<
      ModelsArgs & { kind: string; target: 'runtime' | 'power'; to?: number; token?: string }
    >,
  handler: async (args) => {
    const move = await rollbackModel(
      httpUrlOf(args.collector),
      args.platform,
      { kind: args.kind, target: args.target, ...(args.to !== undefined && { to: args.to }) },
      { token: tokenFrom(args.token) },
    );
    if (args.json) return printJson(move);
    print(`${move.kind}/${move.target}: current version ${move.fromVersion ?? '-'} → ${move.toVersion}`);
  },
};

const modelsFit: CommandModule<object, ModelsArgs & { kinds?: string; token?: string }> = {
  command: 'fit',
  describe: 'Fit now (every kind with measurements, or --kinds) and print the new versions',
  builder: (y: Argv) =>
    y
      .option('collector', collectorOption)
      .option('platform', platformOption)
      .option('kinds', { type: 'string', describe: 'Comma-separated model kinds, e.g. conv,fc,pool' })
      .option('token', tokenOption)
      .option('json', jsonOption) as unknown as Argv<ModelsArgs & { kinds?: string; token?: string }>,
  handler: async (args) => {
    const kinds = args.kinds
      ?.split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    const result = await requestFit(httpUrlOf(args.collector), args.platform, kinds, {
      token: tokenFrom(args.token),
    });
    if (args.json) return printJson(result);
    for (const f of result.fits) {
      const made = f.versions.map((v) => `${v.target} v${v.version}`).join(', ');
      const skipped = f.skipped.map((s) => `${s.target} skipped (${s.reason})`).join('; ');
      print(
        `${f.kind}: ${f.error ? `failed: ${f.error}` : [made, skipped].filter(Boolean).join('; ')} [${Math.round(f.durationMs)} ms]`,
      );
    }
  },
};

export const modelsCommand: CommandModule = {
  command: 'models <command>',
  describe: "A collector's per-platform model versions: list, show, rollback, fit",
  builder: (y: Argv) =>
    y.command(modelsList).command(modelsShow).command(modelsRollback).command(modelsFit).demandCommand(1),
  handler: () => undefined,
};

interface ExportArgs {
  collector: string;
  platform?: string;
  kind?: string;
  from?: string;
  to?: string;
  format: 'csv';
  out?: string;
  token?: string;
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: "Download a collector's measurements as CSV (filter by platform, kind, time)",
  builder: (y: Argv) =>
    y
      .option('collector', collectorOption)
      .option('platform', { type: 'string', describe: 'Platform id' })
      .option('kind', { type: 'string', describe: 'Model kind (conv, fc, …) or network' })
      .option('from', { type: 'string', describe: 'Measured at or after (ISO 8601)' })
      .option('to', { type: 'string', describe: 'Measured before (ISO 8601)' })
      .option('format', { choices: ['csv'] as const, default: 'csv' as const, describe: 'Output format' })
      .option('token', readTokenOption)
      .option('out', {
        type: 'string',
        describe: 'Write to this file instead of stdout',
      }) as unknown as Argv<ExportArgs>,
  handler: async (args) => {
    const stream = await exportCsv(
      httpUrlOf(args.collector),
      {
        ...(args.platform && { platform: args.platform }),
        ...(args.kind && { kind: args.kind }),
        ...(args.from && { from: args.from }),
        ...(args.to && { to: args.to }),
      },
      readTokenFrom(args.token),
    );
    const source = Readable.fromWeb(stream as import('node:stream/web').ReadableStream<Uint8Array>);
    if (args.out) await pipeline(source, createWriteStream(args.out));
    else await pipeline(source, process.stdout, { end: false });
  },
};

/** A network reference for the remote predict: a file (any format the networks package reads) or a zoo name. */
export function networkInputFromRef(ref: string): NetworkInput {
  if (!existsSync(ref)) return ref;
  const bytes = readFileSync(ref);
  const { format, json } = detectFormat(bytes, ref);
  // Checked here too: a description too deep to import is also too deep to serialise into a request.
  if (format !== 'onnx') checkJsonDepth(json, format);
  switch (format) {
    case 'onnx':
      return { onnx: bytes.toString('base64') };
    case 'keras':
      return { keras: json };
    case 'native':
      return { native: json };
    case 'paleo':
      return { paleo: json };
  }
}
