/**
 * A throwaway PostgreSQL cluster for tests: `initdb` in a temp directory, `pg_ctl start` on a free
 * loopback port (unix sockets in the same directory), stopped and removed by `stop()` — and by a
 * process `exit` hook, so a failed test or a crashed worker does not leave a postmaster behind.
 * initdb refuses to run as root: as root (this machine, CI) the cluster runs as `nobody`.
 * Durability is off unless asked for (fsync, full_page_writes, synchronous_commit): a test cluster
 * never outlives a crash.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './processes.js';

const execFileAsync = promisify(execFile);

const RUN_AS = 'nobody';
const START_TIMEOUT_S = 30;

export interface PgCluster {
  /** URL of the `postgres` maintenance database (superuser `postgres`, trust auth on loopback) */
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /**
   * `pg_amcheck` over every table and index of the database (heap and B-tree structure, as
   * `PRAGMA integrity_check` does for SQLite): 'ok', or what it reported.
   */
  amcheck(database: string): Promise<string>;
  /** Stops the server (immediate) and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/** The newest Debian PostgreSQL's bin directory (postgresql 15 in CI). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: install Debian package "postgresql" (see .ci/run)',
    );
  }
  return path.join(root, versions[0]!, 'bin');
}

interface RunAs {
  readonly prefix: readonly string[];
  readonly uid: number | null;
  readonly gid: number | null;
}

/** As root: run through `runuser -u nobody --`, and hand the directory to that user. */
function runAs(): RunAs {
  if (process.getuid?.() !== 0) return { prefix: [], uid: null, gid: null };
  const uid = Number(execFileSync('id', ['-u', RUN_AS], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', RUN_AS], { encoding: 'utf8' }).trim());
  return { prefix: ['runuser', '-u', RUN_AS, '--'], uid, gid };
}

const live = new Set<() => void>();
let hooked = false;
function stopAllOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const stop of [...live]) stop();
  });
}

export interface StartOptions {
  /**
   * Keep PostgreSQL's durability settings (fsync, full-page writes, synchronous commit), as a
   * production server has them: for benchmarks that compare with SQLite's synchronous=full.
   * Tests leave it off: a test cluster never outlives a crash.
   */
  readonly durable?: boolean;
  /** PEM server certificate and key: the server then accepts TLS (ssl=on) besides plain TCP */
  readonly tls?: { readonly certPem: string; readonly keyPem: string };
}

export async function startPostgres(startOptions: StartOptions = {}): Promise<PgCluster> {
  const bin = postgresBinDir();
  const who = runAs();
  const dir = mkdtempSync(path.join(tmpdir(), 'np-pg-'));
  if (who.uid !== null) chownSync(dir, who.uid, who.gid!);
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const run = (tool: string, args: readonly string[]) => {
    const argv = [...who.prefix, path.join(bin, tool), ...args];
    return execFileAsync(argv[0]!, argv.slice(1), {
      encoding: 'utf8',
      timeout: (START_TIMEOUT_S + 10) * 1000,
    });
  };
  const stopSync = () => {
    live.delete(stopSync);
    try {
      const argv = [
        ...who.prefix,
        path.join(bin, 'pg_ctl'),
        'stop',
        '-D',
        dataDir,
        '-m',
        'immediate',
        '-w',
        '-t',
        '10',
      ];
      execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 15_000 });
    } catch {
      // not running (never started, or already stopped)
    }
    rmSync(dir, { recursive: true, force: true });
  };
  live.add(stopSync);
  stopAllOnExit();
  try {
    const tlsOptions: string[] = [];
    if (startOptions.tls) {
      // The server refuses a key readable by others; both files belong to the server's user.
      for (const [name, pem] of [
        ['server.crt', startOptions.tls.certPem],
        ['server.key', startOptions.tls.keyPem],
      ] as const) {
        const file = path.join(dir, name);
        writeFileSync(file, pem);
        chmodSync(file, 0o600);
        if (who.uid !== null) chownSync(file, who.uid, who.gid!);
      }
      tlsOptions.push('-c ssl=on', `-c ssl_cert_file=${dir}/server.crt`, `-c ssl_key_file=${dir}/server.key`);
    }
    await run('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    // The port is free now; another process could take it before the server binds. Retry once.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = [
        `-p ${port}`,
        '-c listen_addresses=127.0.0.1',
        `-k ${dir}`,
        ...(startOptions.durable
          ? []
          : ['-c fsync=off', '-c full_page_writes=off', '-c synchronous_commit=off']),
        '-c shared_buffers=32MB',
        '-c max_connections=200',
        ...tlsOptions,
      ].join(' ');
      try {
        await run('pg_ctl', [
          'start',
          '-D',
          dataDir,
          '-l',
          logFile,
          '-w',
          '-t',
          String(START_TIMEOUT_S),
          '-o',
          options,
        ]);
        break;
      } catch (err) {
        if (attempt >= 2) throw err;
      }
    }
    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    let stopped = false;
    return {
      adminUrl,
      port,
      dataDir,
      async createDatabase(name: string): Promise<string> {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: use [a-z0-9_]`);
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name}`);
        } finally {
          await client.end();
        }
        return `postgres://postgres@127.0.0.1:${port}/${name}`;
      },
      async amcheck(database: string): Promise<string> {
        const args = [
          '--install-missing',
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          'postgres',
          '-d',
          database,
        ];
        try {
          await execFileAsync(path.join(bin, 'pg_amcheck'), args, { encoding: 'utf8', timeout: 120_000 });
          return 'ok';
        } catch (err) {
          const e = err as { stdout?: string; stderr?: string; message: string };
          return `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message;
        }
      },
      async stop(): Promise<void> {
        if (stopped) return;
        stopped = true;
        live.delete(stopSync);
        try {
          await run('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    stopSync();
    throw new Error(`could not start a test PostgreSQL: ${(err as Error).message}\n${log}`);
  }
}
