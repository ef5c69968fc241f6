import type { ModelKind, RangePreset } from '@neuralpower/core';
import type { Argv, CommandModule } from 'yargs';
import {
  collectorOption,
  pct,
  print,
  printJson,
  readTokenFrom,
  readTokenOption,
  table,
  tokenFrom,
  tokenOption,
} from '../cli/format.js';
import { httpUrlOf } from '../client/index.js';
import type { CampaignSummary } from '../store/campaigns.js';
import { createCampaign, getCampaign, listCampaigns, stopCampaign } from './client.js';
import type { SamplingStrategy } from './propose.js';

interface CommonArgs {
  collector: string;
  json: boolean;
  token?: string;
}

const jsonOption = { type: 'boolean' as const, default: false, describe: 'Print JSON' };

function errorsText(c: CampaignSummary): string {
  return (
    c.options.kinds
      .map((k) => {
        const e = c.errors[k];
        return `${k} ${e?.runtime === undefined ? '—' : pct(e.runtime)}`;
      })
      .join(', ') || '—'
  );
}

function progressText(c: CampaignSummary): string {
  return `${c.progress.measured} measured / ${c.progress.leased} leased / ${c.progress.left} left of ${c.options.budget}`;
}

function printSummary(c: CampaignSummary): void {
  print(`${c.id}  ${c.state}${c.reason ? ` (${c.reason})` : ''}  platform ${c.platformId}`);
  print(
    `${c.options.strategy} sampling of ${c.options.kinds.join(',')} (${c.options.preset}), target RMSPE ${pct(c.options.targetRmspe)}, budget ${c.options.budget}`,
  );
  print(`progress: ${progressText(c)}`);
  print(`cross-validated runtime RMSPE: ${errorsText(c)}`);
}

const create: CommandModule<object, CommonArgs & Record<string, unknown>> = {
  command: 'create',
  describe: 'Plan a campaign for one platform: agents lease its configurations until target or budget',
  builder: (y: Argv) =>
    y
      .option('platform', { type: 'string', describe: 'Platform id' })
      .option('gpu-name', {
        type: 'string',
        describe: 'Instead of --platform: the one platform with this GPU',
      })
      .option('kinds', { type: 'string', default: 'conv,fc,pool', describe: 'Layer kinds, comma separated' })
      .option('ranges', { type: 'string', default: 'small', describe: 'Range preset: paper, small, tiny' })
      .option('batches', { type: 'string', describe: 'Batch sizes, comma separated (overrides the preset)' })
      .option('strategy', { choices: ['adaptive', 'random'], default: 'adaptive' })
      .option('target-rmspe', { type: 'number', demandOption: true, describe: 'e.g. 0.10 for 10 %' })
      .option('budget', { type: 'number', demandOption: true, describe: 'Most measurements' })
      .option('seed', { type: 'number', default: 1 })
      .option('pool-size', {
        type: 'number',
        describe: 'Candidate configurations (default max(200, 3 × budget))',
      })
      .option('repeat-share', { type: 'number', default: 0.02, describe: 'Share measured twice' })
      .option('random-share', { type: 'number', default: 0.25, describe: 'Random share of adaptive picks' })
      .option('lease-ttl-ms', { type: 'number', default: 600_000, describe: 'Lease timeout' })
      .option('refit-every', { type: 'number', describe: 'Refit a kind after this many new measurements' })
      .option('collector', collectorOption)
      .option('token', tokenOption)
      .option('json', jsonOption) as unknown as Argv<CommonArgs & Record<string, unknown>>,
  handler: async (a) => {
    const list = (v: unknown) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined;
    const batches = list(a['batches'])?.map(Number);
    const c = await createCampaign(
      httpUrlOf(a.collector),
      {
        ...(a['platform'] ? { platform: a['platform'] as string } : {}),
        ...(a['gpu-name'] ? { gpuName: a['gpu-name'] as string } : {}),
        kinds: list(a['kinds']) as ModelKind[],
        ranges: a['ranges'] as RangePreset,
        ...(batches ? { batches } : {}),
        strategy: a['strategy'] as SamplingStrategy,
        targetRmspe: a['target-rmspe'] as number,
        budget: a['budget'] as number,
        seed: a['seed'] as number,
        ...(a['pool-size'] !== undefined ? { poolSize: a['pool-size'] as number } : {}),
        repeatShare: a['repeat-share'] as number,
        randomShare: a['random-share'] as number,
        leaseTtlMs: a['lease-ttl-ms'] as number,
        ...(a['refit-every'] !== undefined ? { refitEvery: a['refit-every'] as number } : {}),
      },
      { token: tokenFrom(a.token) },
    );
    if (a.json) return printJson(c);
    printSummary(c);
  },
};

const list: CommandModule<object, CommonArgs & { platform?: string; state?: string }> = {
  command: 'list',
  describe: 'Campaigns with their progress and current error',
  builder: (y: Argv) =>
    y
      .option('platform', { type: 'string' })
      .option('state', { choices: ['running', 'stopped', 'done'] })
      .option('collector', collectorOption)
      .option('token', readTokenOption)
      .option('json', jsonOption) as unknown as Argv<CommonArgs & { platform?: string; state?: string }>,
  handler: async (a) => {
    const cs = await listCampaigns(
      httpUrlOf(a.collector),
      {
        ...(a.platform ? { platform: a.platform } : {}),
        ...(a.state ? { state: a.state } : {}),
      },
      readTokenFrom(a.token),
    );
    if (a.json) return printJson(cs);
    if (cs.length === 0) return print('no campaigns');
    print(
      table(
        ['id', 'state', 'platform', 'strategy', 'measured', 'leased', 'left', 'budget', 'runtime RMSPE'],
        cs.map((c) => [
          c.id,
          c.state,
          c.platformId,
          c.options.strategy,
          String(c.progress.measured),
          String(c.progress.leased),
          String(c.progress.left),
          String(c.options.budget),
          errorsText(c),
        ]),
      ),
    );
  },
};

const show: CommandModule<object, CommonArgs & { id: string }> = {
  command: 'show <id>',
  describe: 'One campaign: progress per kind, errors, live leases',
  builder: (y: Argv) =>
    y
      .positional('id', { type: 'string', demandOption: true })
      .option('collector', collectorOption)
      .option('token', readTokenOption)
      .option('json', jsonOption) as unknown as Argv<CommonArgs & { id: string }>,
  handler: async (a) => {
    const c = await getCampaign(httpUrlOf(a.collector), a.id, readTokenFrom(a.token));
    if (a.json) return printJson(c);
    printSummary(c);
    for (const [kind, p] of Object.entries(c.kinds))
      print(`  ${kind}: ${p.measured} measured, ${p.leased} leased`);
    for (const l of c.leases) print(`  lease ${l.id}: ${l.items} items to ${l.agentId} until ${l.expiresAt}`);
  },
};

const stop: CommandModule<object, CommonArgs & { id: string }> = {
  command: 'stop <id>',
  describe: 'Stop a campaign (its leased configurations are freed)',
  builder: (y: Argv) =>
    y
      .positional('id', { type: 'string', demandOption: true })
      .option('collector', collectorOption)
      .option('token', tokenOption)
      .option('json', jsonOption) as unknown as Argv<CommonArgs & { id: string }>,
  handler: async (a) => {
    const c = await stopCampaign(httpUrlOf(a.collector), a.id, { token: tokenFrom(a.token) });
    if (a.json) return printJson(c);
    printSummary(c);
  },
};

export const campaignCommand: CommandModule = {
  command: 'campaign <command>',
  describe: 'Measurement campaigns: create, list, show, stop',
  builder: (y: Argv) => y.command(create).command(list).command(show).command(stop).demandCommand(1),
  handler: () => {},
};
