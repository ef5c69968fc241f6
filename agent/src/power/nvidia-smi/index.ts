import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { nowMs, sleep } from '../../clock.js';
import { parseNvidiaCsv } from '../../discovery/csv.js';
import { type GpuReading, readingFromRow } from '../../discovery/gpu.js';
import { supportedOnly } from '../../discovery/nvidia-smi.js';
import { SampleStore, type SourceSample, StoredSampleSampler } from '../sampler.js';

/** What the sampler asks for; fields the driver lacks are dropped (see `samplerFields`). */
export const SAMPLER_FIELDS = [
  'timestamp',
  'index',
  'power.draw',
  'power.draw.instant',
  'clocks.sm',
  'clocks.mem',
  'temperature.gpu',
  'utilization.gpu',
  'pstate',
  'clocks_event_reasons.active',
] as const;

/** Drivers before 530 call the throttle mask `clocks_throttle_reasons.active`. */
export function samplerFields(supported: ReadonlySet<string>): string[] {
  const fields = supportedOnly(SAMPLER_FIELDS, supported);
  if (supported.size > 0 && !fields.includes('clocks_event_reasons.active')) {
    if (supported.has('clocks_throttle_reasons.active')) fields.push('clocks_throttle_reasons.active');
  }
  return fields;
}

export interface NvidiaSmiSamplerOptions {
  readonly gpuIndex: number;
  readonly intervalMs: number;
  /** Fields the probe found; empty means unknown (ask for all). */
  readonly supportedFields: readonly string[];
  readonly command?: string;
  /** Called on restarts and parse problems; the sampler never throws from its stream. */
  readonly onWarning?: (message: string) => void;
}

// Children of every live sampler, killed synchronously if the process exits without stop().
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

/**
 * One long-running `nvidia-smi --query-gpu=… -lms INTERVAL -i GPU` child per GPU, parsed line by
 * line. If the child dies it is restarted (with a short backoff); on stop it is killed. If this
 * process is SIGKILLed, the child's next write hits a closed pipe and it dies of SIGPIPE.
 */
export class NvidiaSmiSampler extends StoredSampleSampler {
  readonly source = 'nvidia-smi' as const;
  readonly intervalMs: number;
  readonly description: string;
  readonly fields: readonly string[];
  /** Which column is the power: `power.draw.instant` where the driver has it (power.draw is a 1 s average on Ampere+). */
  readonly powerField: string;
  protected readonly store: SampleStore;
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: NvidiaSmiSamplerOptions) {
    super();
    this.intervalMs = Math.max(1, Math.round(options.intervalMs));
    this.fields = samplerFields(new Set(options.supportedFields));
    this.powerField = this.fields.includes('power.draw.instant') ? 'power.draw.instant' : 'power.draw';
    this.description = `nvidia-smi GPU ${options.gpuIndex} ${this.powerField} every ${this.intervalMs} ms`;
    this.store = new SampleStore(this.intervalMs);
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** PID of the current child (tests check that none is left behind). */
  get childPid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.loop) return;
    installExitHook();
    this.stopping = false;
    this.loop = this.run();
    // Resolve once the first sample arrives (or after a bounded wait), so windows start covered.
    const deadline = nowMs() + Math.max(3000, 10 * this.intervalMs);
    while (!this.store.latest() && nowMs() < deadline && !this.stopping) await sleep(5);
  }

  private async run(): Promise<void> {
    let backoffMs = 100;
    while (!this.stopping) {
      const startedAt = nowMs();
      const exit = await this.spawnOnce();
      if (this.stopping) break;
      this.restarts++;
      if (nowMs() - startedAt > 10_000) backoffMs = 100;
      this.options.onWarning?.(`nvidia-smi sampler exited (${exit}); restarting in ${backoffMs} ms`);
      await sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, 5000);
    }
  }

  private spawnOnce(): Promise<string> {
    return new Promise((resolve) => {
      const args = [
        `--query-gpu=${this.fields.join(',')}`,
        '--format=csv,noheader,nounits',
        '-lms',
        String(this.intervalMs),
        '-i',
        String(this.options.gpuIndex),
      ];
      let child: ChildProcess;
      try {
        child = spawn(this.options.command ?? 'nvidia-smi', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        resolve(err instanceof Error ? err.message : String(err));
        return;
      }
      this.child = child;
      liveChildren.add(child);
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        if (stderr.length < 2000) stderr += d.toString();
      });
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => this.onLine(line));
      let settled = false;
      const done = (why: string) => {
        if (settled) return;
        settled = true;
        liveChildren.delete(child);
        if (this.child === child) this.child = undefined;
        resolve(why);
      };
      child.on('error', (err) => done(err.message));
      child.on('exit', (code, signal) =>
        done(
          `code ${code ?? 'none'}${signal ? ` signal ${signal}` : ''}${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}`,
        ),
      );
    });
  }

  private onLine(line: string): void {
    const tMs = nowMs();
    const row = parseNvidiaCsv(line, this.fields)[0];
    if (!row) return;
    const reading: GpuReading = readingFromRow(row);
    const powerW =
      this.powerField === 'power.draw.instant' ? (reading.powerInstantW ?? reading.powerW) : reading.powerW;
    // A row without a power value (driver hiccup, [N/A]) is kept for clocks but adds no power sample.
    if (powerW === undefined || powerW < 0) return;
    const sample: SourceSample = { tMs, powerW, reading };
    this.store.push(sample);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
      await exited;
      clearTimeout(timer);
    }
    await this.loop;
    this.loop = undefined;
  }

  /** Every sample held (tests compare them with the replayed trace). */
  samples(): readonly SourceSample[] {
    return this.store.all;
  }
}
