import { nowMs, sleep } from '../clock.js';
import type { GpuReading } from '../discovery/gpu.js';
import { achievedInterval, type PowerSample, type PowerWindow, windowStats } from './window.js';

export type PowerSourceName = 'nvidia-smi' | 'nvml' | 'rapl' | 'none';

/** A power sample plus whatever else the source read at the same moment (clocks, temperature…). */
export interface SourceSample extends PowerSample {
  readonly reading?: GpuReading;
}

export interface WindowRequest {
  readonly t0Ms: number;
  readonly t1Ms: number;
  /** Fewer samples than this flags the window as low-sample. */
  readonly minSamples: number;
  /** How long to wait for the sample that closes the window. */
  readonly waitMs?: number;
}

/**
 * One power source. Samples are stamped with the host monotonic clock on arrival; statistics are
 * computed over windows of that clock, so engine timings and power share one time base.
 */
export interface PowerSampler {
  readonly source: PowerSourceName;
  /** What is measured, e.g. `nvidia-smi GPU 0 power.draw.instant` or `RAPL package-0+package-1`. */
  readonly description: string;
  readonly intervalMs: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Waits (bounded) until a sample closes the window, then integrates it; undefined for `none`. */
  window(request: WindowRequest): Promise<PowerWindow | undefined>;
  /** Median gap between recent samples; undefined before two samples. */
  achievedIntervalMs(): number | undefined;
  /** The newest sample, for clocks/temperature/throttle reasons. */
  latest(): SourceSample | undefined;
  /** Readings seen in [t0, t1] (GPU sources only). */
  readings(t0Ms: number, t1Ms: number): readonly GpuReading[];
  /** Samples stored since start (for metrics); absent where the source produces none. */
  readonly samplesReceived?: number;
  /** Times the source's process died and was restarted (for metrics). */
  readonly restartCount?: number;
}

/** Bounded in-memory sample history shared by the sources that produce samples. */
export class SampleStore {
  private samples: SourceSample[] = [];
  /** Samples accepted since creation (the history itself is trimmed). */
  received = 0;
  constructor(
    private readonly nominalIntervalMs: number,
    private readonly retentionMs = 120_000,
  ) {}

  push(sample: SourceSample): void {
    const last = this.samples[this.samples.length - 1];
    // Arrival stamps are monotonic; equal stamps (two lines in one chunk) keep order but add no span.
    if (last && sample.tMs < last.tMs) return;
    this.samples.push(sample);
    this.received++;
    if (this.samples.length % 1024 === 0) {
      const cutoff = sample.tMs - this.retentionMs;
      const keepFrom = this.samples.findIndex((s) => s.tMs >= cutoff);
      if (keepFrom > 0) this.samples = this.samples.slice(keepFrom);
    }
  }

  get all(): readonly SourceSample[] {
    return this.samples;
  }

  latest(): SourceSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  achievedIntervalMs(): number | undefined {
    return achievedInterval(this.samples);
  }

  async window(req: WindowRequest): Promise<PowerWindow | undefined> {
    const deadline = nowMs() + (req.waitMs ?? Math.max(1000, 5 * this.nominalIntervalMs));
    while ((this.latest()?.tMs ?? Number.NEGATIVE_INFINITY) < req.t1Ms && nowMs() < deadline) {
      await sleep(Math.max(1, Math.min(this.nominalIntervalMs, 20)));
    }
    return windowStats(this.samples, req.t0Ms, req.t1Ms, req.minSamples, this.nominalIntervalMs);
  }

  readings(t0Ms: number, t1Ms: number): GpuReading[] {
    const out: GpuReading[] = [];
    for (const s of this.samples) if (s.tMs >= t0Ms && s.tMs <= t1Ms && s.reading) out.push(s.reading);
    return out;
  }
}

/**
 * A source that keeps its samples in a `SampleStore`: everything but starting and stopping the
 * source is answered from that history.
 */
export abstract class StoredSampleSampler implements PowerSampler {
  abstract readonly source: PowerSourceName;
  abstract readonly description: string;
  abstract readonly intervalMs: number;
  protected abstract readonly store: SampleStore;
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  window(request: WindowRequest): Promise<PowerWindow | undefined> {
    return this.store.window(request);
  }

  achievedIntervalMs(): number | undefined {
    return this.store.achievedIntervalMs();
  }

  latest(): SourceSample | undefined {
    return this.store.latest();
  }

  readings(t0Ms: number, t1Ms: number): readonly GpuReading[] {
    return this.store.readings(t0Ms, t1Ms);
  }

  get samplesReceived(): number {
    return this.store.received;
  }
}
