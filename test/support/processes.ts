import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(REPO_ROOT, 'bin', 'neuralpower.js');
const COLLECTOR_ENTRY = path.join(REPO_ROOT, 'test', 'support', 'collector-entry.ts');

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A child process with its output kept, line by line, for waiting on and for failure messages. */
export class Proc {
  stdout = '';
  stderr = '';
  exit: Exit | null = null;
  readonly exited: Promise<Exit>;
  private readonly lineWaiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
      this.check();
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      this.check();
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  private check(): void {
    for (let i = this.lineWaiters.length - 1; i >= 0; i--) {
      const w = this.lineWaiters[i]!;
      const m = (this.stdout + this.stderr).match(w.re);
      if (m) {
        this.lineWaiters.splice(i, 1);
        w.resolve(m);
      }
    }
  }

  /** Resolves with the first match of `re` in stdout+stderr; rejects if the process exits first. */
  waitFor(re: RegExp, timeoutMs: number, what: string): Promise<RegExpMatchArray> {
    const now = (this.stdout + this.stderr).match(re);
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${what}: not seen within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      const waiter = {
        re,
        resolve: (m: RegExpMatchArray) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.lineWaiters.push(waiter);
      void this.exited.then((e) => {
        if (!this.lineWaiters.includes(waiter)) return;
        clearTimeout(timer);
        this.lineWaiters.splice(this.lineWaiters.indexOf(waiter), 1);
        reject(new Error(`${what}: the process exited (${e.code ?? e.signal}) first\n${this.tail()}`));
      });
    });
  }

  /** Number of matches of a global regex in the output so far. */
  count(re: RegExp): number {
    return (this.stdout + this.stderr).match(re)?.length ?? 0;
  }

  tail(chars = 3000): string {
    return `--- stdout ---\n${this.stdout.slice(-chars)}\n--- stderr ---\n${this.stderr.slice(-chars)}`;
  }

  /** Sends a signal (SIGSTOP/SIGCONT freeze and thaw a process without it noticing). */
  signal(sig: NodeJS.Signals): void {
    if (!this.exit) this.child.kill(sig);
  }

  /** SIGKILL: the process gets no chance to flush, close or ack anything. */
  async kill(): Promise<Exit> {
    if (!this.exit) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited in time. */
  async stop(timeoutMs = 15_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

export function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
  return new Proc(
    spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** `node bin/neuralpower.js …`, the CLI exactly as a user runs it. */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
  return spawnNode([CLI, ...args], env);
}

export interface CollectorProc {
  readonly proc: Proc;
  readonly port: number;
  readonly url: string;
  readonly wsUrl: string;
}

/** Starts the collector entry as a child process and waits until it listens. */
export async function spawnCollector(
  dbPath: string,
  port = 0,
  options: {
    maxPayloadBytes?: number;
    timeoutMs?: number;
    /** more `startCollector` options (JSON-serialisable): limits, publicRead, … */
    collector?: Record<string, unknown>;
  } = {},
): Promise<CollectorProc> {
  const args = ['--import', 'tsx', COLLECTOR_ENTRY, dbPath, String(port)];
  if (options.maxPayloadBytes !== undefined) args.push(String(options.maxPayloadBytes));
  const proc = spawnNode(
    args,
    options.collector ? { NP_COLLECTOR_OPTIONS: JSON.stringify(options.collector) } : {},
  );
  const m = await proc.waitFor(/listening (\d+)/, options.timeoutMs ?? 60_000, 'collector start');
  const actual = Number(m[1]);
  return {
    proc,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    wsUrl: `ws://127.0.0.1:${actual}/v1/agents`,
  };
}

/** The `neuralpower collector` CLI command as a child process. */
export async function spawnCliCollector(
  dbPath: string,
  port: number,
  timeoutMs = 90_000,
): Promise<CollectorProc> {
  const proc = spawnCli([
    'collector',
    '--db',
    dbPath,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--fit-every',
    '0',
  ]);
  const m = await proc.waitFor(
    /collector listening on http:\/\/127\.0\.0\.1:(\d+)/,
    timeoutMs,
    'collector CLI start',
  );
  const actual = Number(m[1]);
  return {
    proc,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    wsUrl: `ws://127.0.0.1:${actual}/v1/agents`,
  };
}

/** A port nothing listens on right now (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value other than undefined. */
export async function waitUntil<T>(
  probe: () => T | undefined,
  timeoutMs: number,
  what: string,
  everyMs = 50,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
