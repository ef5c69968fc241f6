import type { GpuReading } from '../../discovery/gpu.js';
import type { PowerSampler, SourceSample } from '../sampler.js';
import type { PowerWindow } from '../window.js';

/** No power source: records carry runtime only and say power is unavailable (never a made-up 0). */
export class NoPowerSampler implements PowerSampler {
  readonly source = 'none' as const;
  readonly intervalMs = 0;
  constructor(readonly description = 'no power source') {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async window(): Promise<PowerWindow | undefined> {
    return undefined;
  }
  achievedIntervalMs(): number | undefined {
    return undefined;
  }
  latest(): SourceSample | undefined {
    return undefined;
  }
  readings(): readonly GpuReading[] {
    return [];
  }
}
