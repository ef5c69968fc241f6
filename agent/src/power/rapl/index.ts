import { readFileSync } from 'node:fs';
import path from 'node:path';
import { nowMs, sleep } from '../../clock.js';
import type { RaplZone } from '../../discovery/rapl.js';
import { SampleStore, type SourceSample, StoredSampleSampler } from '../sampler.js';

/**
 * Energy consumed between two readings of a counter that wraps at `maxRangeUj`
 * (`max_energy_range_uj`): a smaller second reading means it wrapped once.
 */
export function energyDeltaUj(previousUj: number, currentUj: number, maxRangeUj: number): number {
  if (currentUj >= previousUj) return currentUj - previousUj;
  if (maxRangeUj <= 0) return 0;
  return maxRangeUj - previousUj + currentUj;
}

export interface RaplSamplerOptions {
  readonly zones: readonly RaplZone[];
  readonly intervalMs: number;
  readonly onWarning?: (message: string) => void;
}

/**
 * Polls `energy_uj` of every readable package zone; power = ΣΔE / Δt, stamped at the poll. Reads
 * are synchronous sysfs reads (microseconds) so the stamp and the counter belong together.
 */
export class RaplSampler extends StoredSampleSampler {
  readonly source = 'rapl' as const;
  readonly intervalMs: number;
  readonly description: string;
  private readonly zones: readonly RaplZone[];
  protected readonly store: SampleStore;
  private previous: { tMs: number; energyUj: number[] } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RaplSamplerOptions) {
    super();
    this.zones = options.zones.filter((z) => z.readable);
    if (this.zones.length === 0) throw new Error('no readable RAPL package zone');
    this.intervalMs = Math.max(1, Math.round(options.intervalMs));
    this.description = `RAPL ${this.zones.map((z) => z.name).join('+')} every ${this.intervalMs} ms`;
    this.store = new SampleStore(this.intervalMs);
  }

  private readCounters(): number[] | undefined {
    try {
      return this.zones.map((z) => Number(readFileSync(path.join(z.dir, 'energy_uj'), 'utf8').trim()));
    } catch (err) {
      this.options.onWarning?.(`RAPL read failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** One poll; exposed so tests can step a fake powercap tree deterministically. */
  poll(tMs = nowMs()): SourceSample | undefined {
    const energyUj = this.readCounters();
    if (!energyUj || energyUj.some((e) => !Number.isFinite(e))) return undefined;
    const prev = this.previous;
    this.previous = { tMs, energyUj };
    if (!prev || tMs <= prev.tMs) return undefined;
    let deltaUj = 0;
    this.zones.forEach((z, i) => {
      deltaUj += energyDeltaUj(prev.energyUj[i]!, energyUj[i]!, z.maxEnergyRangeUj);
    });
    // µJ / ms = mW; / 1000 → W.
    const sample = { tMs, powerW: deltaUj / (tMs - prev.tMs) / 1000 };
    this.store.push(sample);
    return sample;
  }

  async start(): Promise<void> {
    if (this.timer) return;
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    await sleep(this.intervalMs * 2 + 5);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
