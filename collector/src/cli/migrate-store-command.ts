import type { Argv, CommandModule } from 'yargs';
import { isPostgresUrl, redactUrl } from '../store/postgres/url.js';
import { print, printJson, table } from './format.js';

interface MigrateStoreArgs {
  from: string;
  to: string;
  json: boolean;
}

/** `neuralpower collector migrate-store --from np.db --to postgres://…` */
export const migrateStoreCommand: CommandModule<object, MigrateStoreArgs> = {
  command: 'migrate-store',
  describe:
    'Copy a SQLite collector database into PostgreSQL (all tables, keys kept), verify the counts; safe to rerun',
  builder: (y: Argv) =>
    y
      .option('from', {
        type: 'string',
        demandOption: true,
        describe: 'SQLite database file of the collector',
      })
      .option('to', {
        type: 'string',
        demandOption: true,
        describe: 'PostgreSQL URL, e.g. postgres://user:pass@host:5432/neuralpower?sslmode=verify-full',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
      .check((a) => {
        if (!isPostgresUrl(String(a['to'])))
          throw new Error('--to must be a postgres:// or postgresql:// URL');
        return true;
      }) as unknown as Argv<MigrateStoreArgs>,
  handler: async (args) => {
    // Loaded on use, like the store itself: other commands do not pay for the PostgreSQL client.
    const [{ importSqlite }, { createPool }] = await Promise.all([
      import('../store/postgres/import-sqlite.js'),
      import('../store/postgres/pool.js'),
    ]);
    const pool = createPool(args.to, { max: 2, applicationName: 'neuralpower-migrate-store' });
    pool.on('error', () => undefined); // the copy's own query reports a lost connection
    const where = redactUrl(args.to);
    try {
      const results = await importSqlite(args.from, pool).catch((err: Error) => {
        throw new Error(`migrate-store ${args.from} → ${where}: ${err.message}`);
      });
      if (args.json) return printJson({ from: args.from, to: where, tables: results });
      print(
        table(
          ['table', 'sqlite', 'inserted', 'updated', 'unchanged', 'postgres'],
          results.map((r) => [
            r.table,
            String(r.source),
            String(r.inserted),
            String(r.updated),
            String(r.unchanged),
            String(r.target),
          ]),
          new Set([1, 2, 3, 4, 5]),
        ),
      );
      process.stderr.write(`copied ${args.from} into ${where}; every table's count matches\n`);
    } finally {
      await pool.end();
    }
  },
};
