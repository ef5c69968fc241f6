import { readFileSync } from 'node:fs';
import { POWER_FAMILY_MODES, type PowerFamilyMode } from '@neuralpower/core';
import type { Argv, CommandModule } from 'yargs';
import { parseScopes, SCOPES } from '../auth/scopes.js';
import { TokenStore } from '../auth/tokens.js';
import { DEFAULT_LIMITS, MIB } from '../limits.js';
import { startCollector } from '../server.js';
import { openStore } from '../store/registry.js';
import { print, printJson, table } from './format.js';
import { migrateStoreCommand } from './migrate-store-command.js';

interface ServeArgs {
  db: string;
  host: string;
  port: number;
  'tls-cert'?: string;
  'tls-key'?: string;
  'fit-every': number;
  'power-model': PowerFamilyMode;
  synchronous: 'full' | 'normal';
  'max-payload-mb': number;
  'public-read': boolean;
  'max-connections': number;
  'max-connections-per-token': number;
  'frame-timeout-s': number;
  'max-messages-per-s': number;
  'max-predict-nodes': number;
  'max-body-mb': number;
  'max-response-mb': number;
  'auth-recheck-s': number;
  'integrity-timeout-s': number;
  'skip-integrity-check': boolean;
}

/** Numeric limit flags: name, default, meaning, whether it must be a whole number. */
const LIMIT_FLAGS = [
  ['max-connections', DEFAULT_LIMITS.maxConnections, 'Agent WebSocket connections at once, all tokens', true],
  [
    'max-connections-per-token',
    DEFAULT_LIMITS.maxConnectionsPerToken,
    'Agent WebSocket connections at once per token (more: HTTP 429)',
    true,
  ],
  [
    'frame-timeout-s',
    DEFAULT_LIMITS.frameAssemblyMs / 1000,
    'Drop a connection that holds an unfinished message this long',
    false,
  ],
  [
    'max-messages-per-s',
    DEFAULT_LIMITS.maxMessagesPerSecond,
    'Messages per second per agent connection (bursts of 2 s); more closes it',
    false,
  ],
  ['max-predict-nodes', DEFAULT_LIMITS.maxPredictNodes, 'Layers of a network in POST /v1/predict', true],
  ['max-body-mb', DEFAULT_LIMITS.maxBodyBytes / MIB, 'Largest HTTP request body (MiB; more: 413)', false],
  [
    'max-response-mb',
    DEFAULT_LIMITS.maxResponseBytes / MIB,
    'Largest JSON answer of a query (MiB; more: 413; the CSV export streams)',
    false,
  ],
  [
    'auth-recheck-s',
    DEFAULT_LIMITS.authRecheckMs / 1000,
    'Re-check the tokens of open agent connections this often (revocation delay)',
    false,
  ],
  [
    'integrity-timeout-s',
    10,
    'Wait this long for PRAGMA quick_check at start; it then goes on in the background',
    false,
  ],
] as const;

/** `--db`: a SQLite file or a postgres:// URL (store/registry.ts); `$NEURALPOWER_DB` when not given. */
function dbOption() {
  return {
    type: 'string' as const,
    default: process.env['NEURALPOWER_DB'] || './neuralpower.db',
    describe:
      'Database: a SQLite file path, or postgres://user@host/db (sslmode=… passes through); default $NEURALPOWER_DB, else ./neuralpower.db',
  };
}

async function withTokens<T>(db: string, run: (tokens: TokenStore) => Promise<T>): Promise<T> {
  const store = await openStore(db);
  try {
    return await run(new TokenStore(store.tokens));
  } finally {
    await store.close();
  }
}

const tokenCreate: CommandModule<object, { db: string; name: string; scope: string; json: boolean }> = {
  command: 'create',
  describe: 'Create a token (scope agent, read and/or admin); it is printed once, only its hash is stored',
  builder: (y: Argv) =>
    y
      .option('db', dbOption())
      .option('name', {
        type: 'string',
        demandOption: true,
        describe: 'Who the token is for, e.g. gpu-rack-3',
      })
      .option('scope', {
        type: 'string',
        default: 'agent',
        describe: `Comma-separated scopes: ${SCOPES.join(', ')} (agent: stream measurements; read: queries, export, dashboard; admin: fit, rollback, delete, tokens — implies read)`,
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<{
      db: string;
      name: string;
      scope: string;
      json: boolean;
    }>,
  handler: async (args) => {
    const scopes = parseScopes(args.scope);
    const { token, info } = await withTokens(args.db, (t) => t.create(args.name, scopes));
    if (args.json) printJson({ ...info, token });
    else {
      print(token);
      process.stderr.write(
        `token ${info.id} "${info.name}" (scope ${info.scopes.join(',')}) created; it is shown only now — store it safely.\n`,
      );
    }
  },
};

const tokenList: CommandModule<object, { db: string; json: boolean }> = {
  command: 'list',
  describe: 'List tokens (names and dates; secrets are never stored)',
  builder: (y: Argv) =>
    y
      .option('db', dbOption())
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<{
      db: string;
      json: boolean;
    }>,
  handler: async (args) => {
    const tokens = await withTokens(args.db, (t) => t.list());
    if (args.json) return printJson(tokens);
    print(
      table(
        ['id', 'name', 'scope', 'created', 'last used', 'revoked'],
        tokens.map((t) => [
          String(t.id),
          t.name,
          t.scopes.join(','),
          t.createdAt,
          t.lastUsedAt ?? '-',
          t.revokedAt ?? '-',
        ]),
        new Set([0]),
      ),
    );
  },
};

const tokenRevoke: CommandModule<object, { db: string; token: string }> = {
  command: 'revoke <token>',
  describe: 'Revoke a token by name or id; open agent connections using it are closed within seconds',
  builder: (y: Argv) =>
    y.option('db', dbOption()).positional('token', {
      type: 'string',
      demandOption: true,
      describe: 'Token name or id',
    }) as unknown as Argv<{
      db: string;
      token: string;
    }>,
  handler: async (args) => {
    const n = await withTokens(args.db, (t) => t.revoke(args.token));
    if (n === 0) throw new Error(`no active token named or numbered ${JSON.stringify(args.token)}`);
    print(`revoked ${n} token${n === 1 ? '' : 's'}`);
  },
};

const tokenCommand: CommandModule = {
  command: 'token <command>',
  describe: 'Manage agent tokens (create, list, revoke)',
  builder: (y: Argv) => y.command(tokenCreate).command(tokenList).command(tokenRevoke).demandCommand(1),
  handler: () => undefined,
};

/** `neuralpower collector`: serve until SIGINT/SIGTERM; `collector token …` manages tokens. */
export const collectorCommand: CommandModule<object, ServeArgs> = {
  command: 'collector',
  describe:
    'Run the collector (agent WebSocket ingest, SQLite store, model versions, HTTP API); see also `collector token`',
  builder: (y: Argv) =>
    y
      .command(tokenCommand)
      .command(migrateStoreCommand)
      .option('db', dbOption())
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
      .option('port', {
        type: 'number',
        default: 7070,
        describe: 'Port for HTTP and WebSocket (0 = any free port)',
      })
      .option('tls-cert', { type: 'string', describe: 'PEM certificate: serve HTTPS/WSS (with --tls-key)' })
      .option('tls-key', { type: 'string', describe: 'PEM private key' })
      .option('fit-every', {
        type: 'number',
        default: 200,
        describe: 'Fit a platform+kind after this many new measurements (0 = only on request)',
      })
      .option('power-model', {
        choices: POWER_FAMILY_MODES,
        default: 'auto' as const,
        describe:
          "Power model family per kind: auto = the lower cross-validated error of the paper's polynomial and the saturating work-rate model",
      })
      .option('synchronous', {
        choices: ['full', 'normal'] as const,
        default: 'full' as const,
        describe: 'SQLite synchronous mode: full survives power loss; normal only process crashes',
      })
      .option('max-payload-mb', {
        type: 'number',
        default: 8,
        describe: 'Largest WebSocket frame accepted (MiB)',
      })
      .option('public-read', {
        type: 'boolean',
        default: false,
        describe:
          'Serve queries, export, predictions and the dashboard without a token (a laptop, a trusted network)',
      })
      .option('skip-integrity-check', {
        type: 'boolean',
        default: false,
        describe: 'Do not run PRAGMA quick_check at start',
      })
      .options(
        Object.fromEntries(
          LIMIT_FLAGS.map(([name, value, describe]) => [
            name,
            { type: 'number' as const, default: value, describe },
          ]),
        ),
      )
      .check((parsed) => {
        const a = parsed as unknown as ServeArgs;
        for (const [name, , , whole] of LIMIT_FLAGS) {
          const v = a[name] as number;
          if (!(Number.isFinite(v) && v > 0) || (whole && !Number.isInteger(v)))
            throw new Error(`--${name} must be a ${whole ? 'whole number' : 'number'} > 0 (got ${v})`);
        }
        if ((a['tls-cert'] === undefined) !== (a['tls-key'] === undefined))
          throw new Error('--tls-cert and --tls-key go together');
        if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535)
          throw new Error(`--port must be 0-65535 (got ${a.port})`);
        if (!Number.isInteger(a['fit-every']) || a['fit-every'] < 0)
          throw new Error('--fit-every must be an integer ≥ 0');
        if (!(a['max-payload-mb'] > 0)) throw new Error('--max-payload-mb must be > 0');
        return true;
      }) as unknown as Argv<ServeArgs>,
  handler: async (args) => {
    const read = (file: string, what: string) => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new Error(`cannot read ${what} ${file}: ${(err as Error).message}`);
      }
    };
    const tls =
      args['tls-cert'] && args['tls-key']
        ? { cert: read(args['tls-cert'], '--tls-cert'), key: read(args['tls-key'], '--tls-key') }
        : undefined;
    const collector = await startCollector({
      db: args.db,
      host: args.host,
      port: args.port,
      ...(tls && { tls }),
      fitEvery: args['fit-every'],
      fit: { powerFamily: args['power-model'] },
      synchronous: args.synchronous,
      maxPayloadBytes: Math.round(args['max-payload-mb'] * MIB),
      publicRead: args['public-read'],
      skipIntegrityCheck: args['skip-integrity-check'],
      integrityTimeoutMs: args['integrity-timeout-s'] * 1000,
      limits: {
        maxConnections: args['max-connections'],
        maxConnectionsPerToken: args['max-connections-per-token'],
        frameAssemblyMs: args['frame-timeout-s'] * 1000,
        maxMessagesPerSecond: args['max-messages-per-s'],
        maxPredictNodes: args['max-predict-nodes'],
        maxBodyBytes: Math.round(args['max-body-mb'] * MIB),
        maxResponseBytes: Math.round(args['max-response-mb'] * MIB),
        authRecheckMs: args['auth-recheck-s'] * 1000,
      },
    });
    installSafetyNet();
    const integrity = collector.context.integrity.state;
    process.stderr.write(
      `collector listening on ${collector.url} (agents: ${collector.wsUrl}); database ${collector.context.store.description}\n` +
        `  integrity: ${integrity.status}${integrity.status === 'ok' ? '' : ` (${integrity.detail})`}\n` +
        `  reads: ${args['public-read'] ? 'open to anyone who can reach the port (--public-read)' : 'need a token with scope read'}\n` +
        `  create an agent token: neuralpower collector token create --db ${args.db} --name NAME [--scope agent|read|admin]\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.stderr.write(`${signal}: closing the collector…\n`);
        collector.close().then(resolve, resolve);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  },
};

/**
 * Last line of defence, after the causes were fixed (router, upgrade handler): an error that still
 * escapes is logged and the collector keeps serving its other clients rather than dropping every
 * agent connection and the acks in flight.
 */
function installSafetyNet(): void {
  const log = (kind: string) => (err: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: `${kind} (kept serving)`, err: err instanceof Error ? (err.stack ?? err.message) : String(err) })}\n`,
    );
  };
  process.on('unhandledRejection', log('unhandled rejection'));
  process.on('uncaughtException', log('uncaught exception'));
}
