import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import {
  answerSchema,
  helloSchema,
  type TorchDevice,
  type TorchHello,
  type TorchPrecision,
} from './protocol.js';

export interface TorchWorkerOptions {
  /** Python interpreter (default `python3` on PATH). */
  readonly python: string;
  readonly device: TorchDevice;
  readonly precision: TorchPrecision;
  readonly cudnnBenchmark: boolean;
  /** CPU threads for torch (0: torch's default). */
  readonly threads: number;
  /** Which GPU the worker sees as cuda:0 (`CUDA_VISIBLE_DEVICES`), by UUID or index. */
  readonly cudaVisibleDevice?: string;
  /** Importing torch and initialising CUDA can take a while on a cold machine. */
  readonly startTimeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** The worker script, shipped next to this file (or next to a bundle, see scripts/gpu-check). */
export function workerScriptPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'worker.py'), path.join(here, 'torch-worker.py')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** One line of a possibly long text, for error messages. */
function clip(text: string, max = 160): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

interface Pending {
  readonly op: string;
  readonly resolve: (answer: Record<string, unknown>) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A long-lived `python3 worker.py` child speaking JSON lines. Any failure of the process itself
 * (exit, hang past a request's timeout, a line that is not a protocol answer) kills it and fails
 * every pending request with one clear line; `alive` is then false and the engine starts a new one.
 */
export class TorchWorker {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  private deathReason: string | undefined;
  private readonly hello: Promise<TorchHello>;

  private constructor(options: TorchWorkerOptions) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, PYTHONUNBUFFERED: '1' };
    if (options.cudaVisibleDevice !== undefined) {
      env['CUDA_VISIBLE_DEVICES'] = options.cudaVisibleDevice;
      env['CUDA_DEVICE_ORDER'] = 'PCI_BUS_ID';
    }
    this.child = spawn(
      options.python,
      [
        workerScriptPath(),
        '--device',
        options.device,
        '--precision',
        options.precision,
        '--cudnn-benchmark',
        options.cudnnBenchmark ? '1' : '0',
        '--threads',
        String(options.threads),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'], env },
    );
    this.hello = new Promise<TorchHello>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(`torch worker did not start within ${options.startTimeoutMs} ms (hung); killed`),
        options.startTimeoutMs,
      );
      this.pending.set(0, {
        op: 'start',
        timer,
        reject,
        resolve: (answer) => {
          const parsed = helloSchema.safeParse(answer['hello']);
          if (parsed.success) resolve(parsed.data);
          else {
            const issue = parsed.error.issues[0];
            const why = `torch worker answered garbage at start: hello.${issue?.path.join('.')}: ${issue?.message}`;
            reject(new Error(why));
            this.fail(why);
          }
        },
      });
    });
    this.child.on('error', (err: NodeJS.ErrnoException) => {
      this.fail(
        err.code === 'ENOENT'
          ? `python not found: ${options.python} (install python3 with torch, or pass --python)`
          : `torch worker could not start: ${err.message}`,
      );
    });
    // 'close', not 'exit': the answers the worker wrote before dying are read first.
    this.child.on('close', (code, signal) => {
      const last = clip(this.stderrTail.trim().split('\n').pop() ?? '');
      this.fail(
        `torch worker exited (${signal ? `signal ${signal}` : `code ${code}`})${last ? `: ${last}` : ''}`,
      );
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4096);
    });
    // A closed pipe (the worker died mid-write) surfaces through 'exit'.
    this.child.stdin!.on('error', () => {});
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
  }

  /** Starts a worker and waits for its hello; rejects with the reason it could not start. */
  static async start(options: TorchWorkerOptions): Promise<{ worker: TorchWorker; hello: TorchHello }> {
    const worker = new TorchWorker(options);
    const hello = await worker.hello;
    return { worker, hello };
  }

  get alive(): boolean {
    return this.deathReason === undefined;
  }

  /** Why the worker is dead (undefined while alive). */
  get reason(): string | undefined {
    return this.deathReason;
  }

  private onLine(line: string): void {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.fail(`torch worker answered garbage: ${clip(line, 80)}`);
      return;
    }
    const parsed = answerSchema.safeParse(json);
    const id = parsed.success ? parsed.data.id : null;
    const waiting = id === null ? undefined : this.pending.get(id);
    if (!parsed.success || !waiting) {
      this.fail(`torch worker answered garbage: ${clip(line, 80)}`);
      return;
    }
    this.pending.delete(id!);
    clearTimeout(waiting.timer);
    if (parsed.data.ok) waiting.resolve(parsed.data as Record<string, unknown>);
    else {
      // A start-up refusal (torch missing, no CUDA) is already one line; a request error names torch.
      const error = (parsed.data as { error: string }).error;
      waiting.reject(new Error(id === 0 ? error : `torch: ${error}`));
    }
  }

  /** Kills the worker and fails everything pending with `why` (first reason wins). */
  private fail(why: string): void {
    if (this.deathReason !== undefined) return;
    this.deathReason = why;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(why));
    }
    this.pending.clear();
  }

  /** Sends one request and validates the answer's payload with `schema`. */
  async request<S extends z.ZodType>(
    op: string,
    body: Record<string, unknown>,
    schema: S,
    timeoutMs: number,
  ): Promise<z.output<S>> {
    if (this.deathReason !== undefined) throw new Error(this.deathReason);
    const id = this.nextId++;
    const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(`torch worker did not answer ${op} within ${timeoutMs} ms (hung); killed`),
        timeoutMs,
      );
      this.pending.set(id, { op, resolve, reject, timer });
      this.child.stdin!.write(`${JSON.stringify({ ...body, id, op })}\n`);
    });
    const parsed = schema.safeParse(answer);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const why = `torch worker answered garbage to ${op}: ${issue?.path.join('.')}: ${issue?.message}`;
      this.fail(why);
      throw new Error(why);
    }
    return parsed.data;
  }

  /** Asks the worker to exit; kills it if it does not within `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.deathReason ??= 'torch worker stopped';
    this.child.stdin!.end(`${JSON.stringify({ id: this.nextId++, op: 'exit' })}\n`);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** The worker's process id (tests kill it to simulate a crash). */
  get pid(): number | undefined {
    return this.child.pid;
  }
}
