import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { TokenStore } from '../auth/tokens.js';
import { openDatabase } from '../db/open.js';
import { startCollector } from '../server.js';
import { print, printJson, table } from './format.js';

interface ServeArgs {
  db: string;
  host: string;
  port: number;
  'tls-cert'?: string;
  'tls-key'?: string;
  'fit-every': number;
  synchronous: 'full' | 'normal';
  'max-payload-mb': number;
}

const dbOption = { type: 'string' as const, default: './neuralpower.db', describe: 'SQLite database file' };

function withTokens<T>(dbPath: string, run: (tokens: TokenStore) => T): T {
  const db = openDatabase(dbPath);
  try {
    return run(new TokenStore(db));
  } finally {
    db.close();
  }
}

const tokenCreate: CommandModule<object, { db: string; name: string; json: boolean }> = {
  command: 'create',
  describe: 'Create an agent token; it is printed once, only its hash is stored',
  builder: (y: Argv) =>
    y
      .option('db', dbOption)
      .option('name', {
        type: 'string',
        demandOption: true,
        describe: 'Who the token is for, e.g. gpu-rack-3',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<{
      db: string;
      name: string;
      json: boolean;
    }>,
  handler: (args) => {
    const { token, info } = withTokens(args.db, (t) => t.create(args.name));
    if (args.json) printJson({ ...info, token });
    else {
      print(token);
      process.stderr.write(
        `token ${info.id} "${info.name}" created; it is shown only now — store it safely.\n`,
      );
    }
  },
};

const tokenList: CommandModule<object, { db: string; json: boolean }> = {
  command: 'list',
  describe: 'List tokens (names and dates; secrets are never stored)',
  builder: (y: Argv) =>
    y
      .option('db', dbOption)
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<{
      db: string;
      json: boolean;
    }>,
  handler: (args) => {
    const tokens = withTokens(args.db, (t) => t.list());
    if (args.json) return printJson(tokens);
    print(
      table(
        ['id', 'name', 'created', 'last used', 'revoked'],
        tokens.map((t) => [String(t.id), t.name, t.createdAt, t.lastUsedAt ?? '-', t.revokedAt ?? '-']),
        new Set([0]),
      ),
    );
  },
};

const tokenRevoke: CommandModule<object, { db: string; token: string }> = {
  command: 'revoke <token>',
  describe: 'Revoke a token by name or id; agents using it are refused from their next connection',
  builder: (y: Argv) =>
    y.option('db', dbOption).positional('token', {
      type: 'string',
      demandOption: true,
      describe: 'Token name or id',
    }) as unknown as Argv<{
      db: string;
      token: string;
    }>,
  handler: (args) => {
    const n = withTokens(args.db, (t) => t.revoke(args.token));
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
      .option('db', dbOption)
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
      .check((a) => {
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
      dbPath: args.db,
      host: args.host,
      port: args.port,
      ...(tls && { tls }),
      fitEvery: args['fit-every'],
      synchronous: args.synchronous,
      maxPayloadBytes: Math.round(args['max-payload-mb'] * 1024 * 1024),
    });
    process.stderr.write(
      `collector listening on ${collector.url} (agents: ${collector.wsUrl}); database ${collector.context.dbPath}\n` +
        `  create an agent token: neuralpower collector token create --db ${args.db} --name NAME\n`,
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
