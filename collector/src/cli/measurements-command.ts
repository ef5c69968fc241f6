import type { Argv, CommandModule } from 'yargs';
import { curateMeasurements, httpUrlOf, measurementAudit } from '../client/index.js';
import { collectorOption, print, printJson, table, tokenFrom, tokenOption } from './format.js';

interface SelectArgs {
  collector: string;
  platform: string;
  kind?: string;
  key?: string;
  agent?: string;
  before?: string;
  implausible: boolean;
  reason?: string;
  refit: boolean;
  token?: string;
  json: boolean;
}

const ACTIONS = {
  exclude: 'Leave measurements out of fits, exports and validation (kept; `include` brings them back)',
  include: 'Use excluded measurements again',
  delete: 'Delete measurements for good',
} as const;

function selectCommand(action: keyof typeof ACTIONS): CommandModule<object, SelectArgs> {
  return {
    command: action,
    describe: `${ACTIONS[action]}; audited, then the touched kinds are refit`,
    builder: (y: Argv) =>
      y
        .option('collector', collectorOption)
        .option('platform', { type: 'string', demandOption: true, describe: 'Platform id' })
        .option('kind', { type: 'string', describe: 'Model kind (conv, fc, …) or network' })
        .option('key', { type: 'string', describe: 'Natural key of one configuration' })
        .option('agent', { type: 'string', describe: 'Agent id' })
        .option('before', { type: 'string', describe: 'Measured before this ISO 8601 date-time' })
        .option('implausible', {
          type: 'boolean',
          default: false,
          describe: 'Only rows whose runtime or power lies outside the plausible ranges',
        })
        .option('reason', { type: 'string', describe: 'Why (kept in the audit trail)' })
        .option('refit', { type: 'boolean', default: true, describe: 'Refit the kinds that changed' })
        .option('token', tokenOption)
        .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
        .check((a) => {
          if (a.before !== undefined && Number.isNaN(Date.parse(a.before)))
            throw new Error(`--before must be an ISO 8601 date-time (got ${JSON.stringify(a.before)})`);
          if (!a.kind && !a.key && !a.agent && !a.before && !a.implausible)
            throw new Error('name the measurements: --kind, --key, --agent, --before or --implausible');
          return true;
        }) as unknown as Argv<SelectArgs>,
    handler: async (args) => {
      const result = await curateMeasurements(
        httpUrlOf(args.collector),
        args.platform,
        action,
        {
          ...(args.kind && { kind: args.kind }),
          ...(args.key && { key: args.key }),
          ...(args.agent && { agent: args.agent }),
          ...(args.before && { before: new Date(args.before).toISOString() }),
          ...(args.implausible && { implausible: true }),
          ...(args.reason && { reason: args.reason }),
          refit: args.refit,
        },
        { token: tokenFrom(args.token) },
      );
      if (args.json) return printJson(result);
      const verb = { exclude: 'excluded', include: 'included again', delete: 'deleted' }[action];
      print(`${result.rows} measurement(s) ${verb} (audit #${result.auditId})`);
      for (const f of result.fits) {
        const made = f.versions.map((v) => `${v.target} v${v.version}`).join(', ');
        const skipped = f.skipped.map((s) => `${s.target} skipped (${s.reason})`).join('; ');
        print(
          `refit ${f.kind}: ${f.error ? `failed: ${f.error}` : [made, skipped].filter(Boolean).join('; ')}`,
        );
      }
    },
  };
}

const auditCommand: CommandModule<
  object,
  { collector: string; platform: string; token?: string; json: boolean }
> = {
  command: 'audit',
  describe: 'Who excluded, included or deleted which measurements, and when',
  builder: (y: Argv) =>
    y
      .option('collector', collectorOption)
      .option('platform', { type: 'string', demandOption: true, describe: 'Platform id' })
      .option('token', tokenOption)
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<{
      collector: string;
      platform: string;
      token?: string;
      json: boolean;
    }>,
  handler: async (args) => {
    const listing = await measurementAudit(httpUrlOf(args.collector), args.platform, {
      token: tokenFrom(args.token),
    });
    if (args.json) return printJson(listing);
    if (listing.entries.length === 0) return print(`no curation of ${args.platform} yet`);
    print(
      table(
        ['#', 'at', 'token', 'action', 'rows', 'selection', 'reason'],
        listing.entries.map((e) => [
          String(e.id),
          e.at,
          e.tokenName,
          e.action,
          String(e.rows),
          JSON.stringify(e.filter),
          e.reason ?? '',
        ]),
        new Set([0, 4]),
      ),
    );
  },
};

/** `neuralpower measurements exclude|include|delete|audit`: curate a collector's stored measurements. */
export const measurementsCommand: CommandModule = {
  command: 'measurements <command>',
  describe: "Exclude, include or delete a collector's measurements (audited, then refit)",
  builder: (y: Argv) =>
    y
      .command(selectCommand('exclude'))
      .command(selectCommand('include'))
      .command(selectCommand('delete'))
      .command(auditCommand)
      .demandCommand(1),
  handler: () => undefined,
};
