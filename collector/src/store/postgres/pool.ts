import pg from 'pg';

/**
 * BIGINT (int8) and NUMERIC come back from node-postgres as strings (they can exceed 2^53). Every
 * BIGINT here is an id, a seq (bounded by MAX_SEQ), epoch ms or a COUNT: all below 2^53, so they are
 * numbers, as better-sqlite3 returns them. Set per pool, not globally, so nothing else in the
 * process is affected.
 */
function numericTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  const toNumber = (text: string) => Number(text);
  types.setTypeParser(pg.types.builtins.INT8, toNumber);
  types.setTypeParser(pg.types.builtins.NUMERIC, toNumber);
  return types;
}

export interface PoolOptions {
  /** most connections this replica opens (default 10) */
  readonly max?: number;
  /** application_name shown in pg_stat_activity */
  readonly applicationName?: string;
}

/**
 * The URL goes to node-postgres as a connection string, so every libpq-style parameter in it is
 * honoured: `sslmode`, `sslrootcert`, `sslcert`, `sslkey`, `application_name`, `options`.
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    application_name: options.applicationName ?? 'neuralpower-collector',
    types: numericTypes(),
  });
}
