import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { nowMs } from '../clock.js';
import type { PowerSampler } from '../power/sampler.js';

/** Where the live numbers come from while a run is going; read on every scrape. */
export interface MetricsSources {
  /** The current sampler (it can be swapped for `none` when a source gives no reading). */
  sampler(): PowerSampler | undefined;
  outboxRecords(): number;
  /** Undefined without a collector. */
  stream(): { readonly connected: boolean; readonly ackedRecords: number } | undefined;
}

export type ConfigurationOutcome = 'measured' | 'skipped' | 'failed';

/**
 * The agent's Prometheus metrics in a private registry (an embedding process's global registry is
 * left alone). Counters the run loop owns are incremented by it; everything else is read from the
 * attached sources at scrape time, so the hooks in the run loop stay one line each.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private sources: MetricsSources | undefined;
  // Sources count from their own start; remember what was already added per sampler object.
  private readonly seenSamples = new WeakMap<PowerSampler, number>();
  private readonly seenRestarts = new WeakMap<PowerSampler, number>();
  private seenAcked = 0;

  private readonly configurations: Counter<'outcome'>;
  private readonly samplerUp: Gauge<'source'>;
  private readonly samplesReceived: Counter<'source'>;
  private readonly samplerRestarts: Counter<'source'>;
  // Labelled so that it can be absent: prom-client shows a label-less gauge as 0 after reset.
  private readonly intervalSeconds: Gauge<'source'>;
  private readonly powerWatts: Gauge<'source'>;
  private readonly outboxRecords: Gauge;
  private readonly recordsAcked: Counter;
  private readonly collectorConnected: Gauge;

  constructor(options: { readonly defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.configurations = new Counter({
      name: 'neuralpower_agent_configurations_total',
      help: 'Sweep configurations by outcome (measured, skipped as already known, failed to run).',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of ['measured', 'skipped', 'failed'] as const) this.configurations.inc({ outcome }, 0);
    this.samplerUp = new Gauge({
      name: 'neuralpower_agent_power_sampler_up',
      help: '1 while the power source delivers fresh samples, else 0 (always 0 for source "none").',
      labelNames: ['source'],
      registers,
      collect: () => this.refresh(),
    });
    this.samplesReceived = new Counter({
      name: 'neuralpower_agent_power_samples_received_total',
      help: 'Power samples received from the source.',
      labelNames: ['source'],
      registers,
    });
    this.samplerRestarts = new Counter({
      name: 'neuralpower_agent_power_sampler_restarts_total',
      help: 'Times the power source process died and was restarted.',
      labelNames: ['source'],
      registers,
    });
    this.intervalSeconds = new Gauge({
      name: 'neuralpower_agent_power_sample_interval_seconds',
      help: 'Achieved power sampling interval (median gap of recent samples); absent before two samples.',
      labelNames: ['source'],
      registers,
    });
    this.powerWatts = new Gauge({
      name: 'neuralpower_agent_power_watts',
      help: 'Latest power reading; absent (never 0) when power is unavailable.',
      labelNames: ['source'],
      registers,
    });
    this.outboxRecords = new Gauge({
      name: 'neuralpower_agent_outbox_records',
      help: 'Records in the durable outbox waiting for a collector ack.',
      registers,
    });
    this.recordsAcked = new Counter({
      name: 'neuralpower_agent_records_acked_total',
      help: 'Records the collector acknowledged (and the outbox then deleted).',
      registers,
    });
    this.collectorConnected = new Gauge({
      name: 'neuralpower_agent_collector_connected',
      help: '1 while a collector connection is welcomed, else 0.',
      registers,
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  attach(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** Takes a last reading and stops reading the sources (they are about to close). */
  detach(): void {
    if (!this.sources) return;
    const source = this.sources.sampler()?.source;
    this.refresh();
    this.sources = undefined;
    // The run is over: the source is down and its last reading no longer current.
    this.samplerUp.reset();
    if (source) this.samplerUp.set({ source }, 0);
    this.powerWatts.reset();
    this.collectorConnected.set(0);
  }

  configuration(outcome: ConfigurationOutcome): void {
    this.configurations.inc({ outcome });
  }

  /** Reads the live sources into the gauges and counters (called once per scrape). */
  private refresh(): void {
    const s = this.sources;
    if (!s) return;
    const sampler = s.sampler();
    this.samplerUp.reset();
    this.intervalSeconds.reset();
    this.powerWatts.reset();
    if (sampler) {
      const source = sampler.source;
      const latest = sampler.latest();
      const freshMs = Math.max(1000, 5 * sampler.intervalMs);
      const up = source !== 'none' && latest !== undefined && nowMs() - latest.tMs <= freshMs;
      this.samplerUp.set({ source }, up ? 1 : 0);
      this.addDelta(this.samplesReceived, this.seenSamples, sampler, sampler.samplesReceived ?? 0);
      this.addDelta(this.samplerRestarts, this.seenRestarts, sampler, sampler.restartCount ?? 0);
      const intervalMs = sampler.achievedIntervalMs();
      if (intervalMs !== undefined) this.intervalSeconds.set({ source }, intervalMs / 1000);
      if (latest && Number.isFinite(latest.powerW)) this.powerWatts.set({ source }, latest.powerW);
    }
    this.outboxRecords.set(s.outboxRecords());
    const stream = s.stream();
    this.collectorConnected.set(stream?.connected ? 1 : 0);
    if (stream && stream.ackedRecords > this.seenAcked) {
      this.recordsAcked.inc(stream.ackedRecords - this.seenAcked);
      this.seenAcked = stream.ackedRecords;
    }
  }

  private addDelta(
    counter: Counter<'source'>,
    seen: WeakMap<PowerSampler, number>,
    sampler: PowerSampler,
    total: number,
  ): void {
    const delta = total - (seen.get(sampler) ?? 0);
    // inc(0) still makes the series appear, so a healthy source shows restarts_total 0.
    counter.inc({ source: sampler.source }, Math.max(0, delta));
    seen.set(sampler, Math.max(total, seen.get(sampler) ?? 0));
  }
}
