import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import {
  type LayerRecord,
  type MeasurementRecord,
  measurementRecordSchema,
  type NetworkRecord,
  type PlatformDeclaration,
} from '@neuralpower/protocol';
import { type BlockTimingOptions, DEFAULT_BLOCK_TIMING } from './bench/blocks.js';
import { DEFAULT_MEASURE, type MeasureOptions, measureIdlePower, measureWork } from './bench/measure.js';
import { measureSyncOverhead, type SyncOverhead } from './bench/sync-overhead.js';
import { DEFAULT_TIMING, type TimingOptions } from './bench/timing.js';
import { CampaignRefused, LeaseClient } from './campaign/lease-client.js';
import { type ItemOutcome, runCampaign } from './campaign/run-campaign.js';
import type { GpuInfo } from './discovery/gpu.js';
import { type PlatformProbe, probePlatform } from './discovery/probe.js';
import type { EngineChoice } from './engine/choices.js';
import type { Engine } from './engine/engine.js';
import { createEngine } from './engine/registry.js';
import type { TorchEngineOptions } from './engine/torch/index.js';
import { createLogger, type Logger } from './log.js';
import { AgentMetrics } from './metrics/metrics.js';
import { type MetricsAddress, type MetricsServer, serveMetrics } from './metrics/server.js';
import { Outbox } from './outbox/outbox.js';
import { declarePlatform } from './platform.js';
import { NoPowerSampler } from './power/none/index.js';
import { createPowerSampler, type PowerChoice } from './power/registry.js';
import type { PowerSampler } from './power/sampler.js';
import { CollectorStream } from './stream/client.js';
import { fetchKnownKeys } from './stream/known-keys.js';
import { DEFAULT_SWEEP, planSweep, type SweepItem, type SweepOptions } from './sweep/plan.js';
import { ProgressBar } from './sweep/progress.js';

export interface RunAgentOptions {
  /** Directory for the outbox database and sweep progress (created if missing). */
  readonly stateDir: string;
  /** `ws://HOST:PORT`; without it records stay in the outbox (and `outFile`). */
  readonly collectorUrl?: string;
  readonly token?: string;
  /** GPU index to measure on; default the first GPU found (or the CPU when there is none). */
  readonly gpu?: number;
  /** Engine: `auto`, `torch`, or a tfjs backend. */
  readonly backend?: EngineChoice;
  /** Torch worker settings (python, device, precision, cudnn.benchmark). */
  readonly torch?: TorchEngineOptions;
  readonly power?: PowerChoice;
  /** Power sampling interval (default 50 ms, down to 1). */
  readonly intervalMs?: number;
  /** The sweep to run; omitted: resume the state dir's unfinished sweep, or work for a campaign. */
  readonly sweep?: Partial<SweepOptions>;
  /**
   * Work for this collector campaign (lease configurations, measure, repeat). Omitted, with no sweep
   * to run or resume: the collector's running campaign for this platform, if it has one.
   */
  readonly campaign?: string;
  /** Configurations per campaign lease (default 4). */
  readonly leaseBatch?: number;
  /** Run-by-run timing options (`timingProtocol: 'runs'`; the warm-up count is shared). */
  readonly timing?: Partial<TimingOptions>;
  /** `blocks` (default): the block protocol with a confidence interval; `runs`: the older run-by-run timing. */
  readonly timingProtocol?: TimingProtocolName;
  readonly blockTiming?: Partial<BlockTimingOptions>;
  /** Share of measured layer configurations measured again at the end of the sweep to detect drift (default 0.05). */
  readonly revisitShare?: number;
  readonly measure?: Partial<Omit<MeasureOptions, 'timing'>>;
  /** Quiet time at start to measure idle power (default 2 s; only with a power source). */
  readonly idleMs?: number;
  /** Overrides the id kept in the state dir. */
  readonly agentId?: string;
  /** Ask the collector which configurations it already has and skip them (default true). */
  readonly skipKnown?: boolean;
  /** Wait at most this long for the outbox to drain after the sweep (default: until done or aborted). */
  readonly drainTimeoutMs?: number;
  /** Append every record as a JSON line. */
  readonly outFile?: string;
  readonly nvidiaSmiCommand?: string;
  /** libnvidia-ml path for the nvml power source (default `libnvidia-ml.so.1`). */
  readonly nvmlLibrary?: string;
  readonly powercapRoot?: string;
  readonly probeTimeoutMs?: number;
  /** Reuse a probe already made (the CLI's `--gpu all` parent). */
  readonly probe?: PlatformProbe;
  readonly logger?: Logger;
  /** Draw a progress bar (default: when stderr is a TTY). */
  readonly progress?: boolean;
  readonly signal?: AbortSignal;
  readonly onRecord?: (record: MeasurementRecord) => void;
  /** Reconnect backoff bounds (tests shorten them). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly batchSize?: number;
  /** Serve Prometheus metrics at `/metrics` on this port (0: any free one) while the run lasts. */
  readonly metricsPort?: number;
  /** Address for the metrics endpoint (default 127.0.0.1). */
  readonly metricsHost?: string;
  /** Called once the metrics endpoint listens, with the bound address (the port, when 0 was asked). */
  readonly onMetricsListening?: (address: MetricsAddress) => void;
  /** Metrics to update instead of a fresh set (an embedding process's own; served only with metricsPort). */
  readonly metrics?: AgentMetrics;
}

export const TIMING_PROTOCOLS = ['blocks', 'runs'] as const;
export type TimingProtocolName = (typeof TIMING_PROTOCOLS)[number];

/** Configurations measured twice in one sweep: how far the second median moved from the first. */
export interface DriftSummary {
  readonly revisited: number;
  /** median and largest |second − first| / first */
  readonly medianAbsRel: number;
  readonly maxAbsRel: number;
}

export interface RunAgentResult {
  readonly agentId: string;
  readonly platform: PlatformDeclaration;
  readonly powerSource: PowerSampler['source'];
  readonly powerDescription: string;
  /** Why power is unavailable, when it is. */
  readonly powerNote?: string;
  readonly idlePowerW?: number;
  readonly achievedIntervalMs?: number;
  readonly sweepId?: string;
  /** Configurations in the sweep; when it was cut short, the plan's upper bound (before duplicates). */
  /** The campaign worked for, and how it ended for this agent. */
  readonly campaign?: { readonly id: string; readonly leases: number; readonly ended: string };
  readonly planned: number;
  readonly measured: number;
  readonly skipped: number;
  readonly failed: number;
  /** Records still in the outbox at exit (0 when everything was acked). */
  readonly pending: number;
  readonly rejected: number;
  readonly aborted: boolean;
  /** Why the sweep stopped early other than by abort (an engine crash); running again resumes. */
  readonly stoppedReason?: string;
  /** block protocol only: one synchronisation's cost on this platform */
  readonly syncOverhead?: SyncOverhead;
  /** block protocol only, when configurations were revisited */
  readonly drift?: DriftSummary;
  /** block protocol only: configurations an earlier process of this sweep measured, measured again */
  readonly processDrift?: DriftSummary;
  readonly notes: readonly string[];
}

/** `count` of `items`, evenly spread over them (the first always among them). */
function chooseSpread<T>(items: readonly T[], count: number): T[] {
  const n = Math.min(count, items.length);
  const step = items.length / Math.max(1, n);
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)]!);
}

/**
 * Revisits of an earlier process's configurations: the share's count, at least one (a resume is
 * the only chance to compare two processes), none when revisits are off.
 */
function processRevisitCount(share: number, n: number): number {
  return share > 0 && n > 0 ? Math.max(1, Math.floor(share * n + 1e-9)) : 0;
}

function driftSummary(drifts: readonly number[]): DriftSummary | undefined {
  if (drifts.length === 0) return undefined;
  const sorted = [...drifts].sort((a, b) => a - b);
  return {
    revisited: drifts.length,
    medianAbsRel: sorted[sorted.length >> 1]!,
    maxAbsRel: sorted[sorted.length - 1]!,
  };
}

function selectGpu(probe: PlatformProbe, wanted: number | undefined): GpuInfo | undefined {
  if (probe.gpus.length === 0) return undefined;
  if (wanted === undefined) return probe.gpus[0];
  const gpu = probe.gpus.find((g) => g.index === wanted);
  if (!gpu) {
    throw new Error(`--gpu ${wanted}: no such GPU; found ${probe.gpus.map((g) => g.index).join(', ')}`);
  }
  return gpu;
}

function buildRecord(
  item: SweepItem,
  platform: string,
  measured: Awaited<ReturnType<typeof measureWork>>,
): MeasurementRecord {
  const { timing: _timing, powerNote: _note, ...fields } = measured;
  // (precision, when the block protocol timed it, travels in `fields`)
  if (item.type === 'layer') {
    const record: LayerRecord = {
      type: 'layer',
      platform,
      spec: item.config.spec,
      inputs: item.config.inputs.map((s) => [...s] as [number, number, number]),
      batch: item.config.batch,
      ...fields,
    };
    return record;
  }
  const record: NetworkRecord = {
    type: 'network',
    platform,
    network: item.ref,
    batch: item.network.batch,
    ...fields,
  };
  return record;
}

/**
 * Probes the machine, picks an engine and a power source, runs a sweep (resuming one that was
 * interrupted), writes every record to the durable outbox before it is sent, streams the outbox to
 * the collector, and returns once the sweep is done and the outbox drained (or on abort).
 */
export async function runAgent(options: RunAgentOptions): Promise<RunAgentResult> {
  const log = options.logger ?? createLogger();
  const notes: string[] = [];
  const note = (msg: string) => {
    notes.push(msg);
    log.warn(msg);
  };
  const probe =
    options.probe ??
    (await probePlatform({
      ...(options.nvidiaSmiCommand ? { nvidiaSmiCommand: options.nvidiaSmiCommand } : {}),
      ...(options.powercapRoot ? { powercapRoot: options.powercapRoot } : {}),
      ...(options.probeTimeoutMs ? { timeoutMs: options.probeTimeoutMs } : {}),
    }));
  if (probe.gpuUnavailableReason) note(probe.gpuUnavailableReason);
  const gpu = selectGpu(probe, options.gpu);

  const outbox = new Outbox(options.stateDir);
  let engine: Engine | undefined;
  let sampler: PowerSampler | undefined;
  let stream: CollectorStream | undefined;
  const metrics = options.metrics ?? (options.metricsPort !== undefined ? new AgentMetrics() : undefined);
  let metricsServer: MetricsServer | undefined;
  try {
    metrics?.attach({
      sampler: () => sampler,
      outboxRecords: () => outbox.pendingCount(),
      stream: () => stream,
    });
    if (metrics && options.metricsPort !== undefined) {
      metricsServer = await serveMetrics(metrics.registry, {
        host: options.metricsHost ?? '127.0.0.1',
        port: options.metricsPort,
      });
      log.info(metricsServer.address, 'serving metrics at /metrics');
      options.onMetricsListening?.(metricsServer.address);
    }
    const agentId =
      options.agentId ?? outbox.agentId(() => `${os.hostname()}/${randomBytes(4).toString('hex')}`);
    engine = await createEngine(options.backend ?? 'auto', {
      nvidiaGpu: gpu !== undefined,
      torch: {
        ...options.torch,
        ...(gpu && options.torch?.cudaVisibleDevice === undefined
          ? { cudaVisibleDevice: gpu.uuid ?? String(gpu.index) }
          : {}),
      },
      onNote: note,
    });
    for (const n of engine.notes) log.info({ backend: engine.identity.backend }, n);
    if (gpu && engine.device !== 'gpu') {
      note(
        `a GPU (${gpu.name ?? gpu.index}) is present but the engine runs on the CPU; records are filed under the CPU platform`,
      );
    }
    const platform = declarePlatform(probe, engine, gpu);
    log.info({ platform: platform.id, description: platform.description, agentId }, 'platform');

    const intervalMs = Math.max(1, options.intervalMs ?? 50);
    const power = createPowerSampler(options.power ?? 'auto', engine.device, {
      ...(gpu ? { gpu } : {}),
      supportedFields: probe.supportedFields,
      raplZones: probe.raplZones,
      intervalMs,
      ...(options.nvidiaSmiCommand ? { nvidiaSmiCommand: options.nvidiaSmiCommand } : {}),
      ...(options.nvmlLibrary ? { nvmlLibrary: options.nvmlLibrary } : {}),
      onWarning: (m) => log.warn(m),
    });
    sampler = power.sampler;
    let powerNote = power.note;
    if (powerNote) note(powerNote);
    await sampler.start();
    if (sampler.source !== 'none' && sampler.latest() === undefined) {
      // e.g. a GPU whose power.draw is [N/A]: say so once instead of on every record.
      powerNote = `power unavailable: ${sampler.description} gave no power reading`;
      note(powerNote);
      await sampler.stop();
      sampler = new NoPowerSampler(powerNote);
    }
    const idlePowerW = await measureIdlePower(sampler, options.idleMs ?? 2000);
    if (idlePowerW !== undefined) log.info({ idlePowerW, source: sampler.description }, 'idle power');

    if (options.collectorUrl) {
      if (!options.token) throw new Error('--token is required with --collector');
      stream = new CollectorStream({
        url: options.collectorUrl,
        token: options.token,
        outbox,
        hello: { agentId, host: os.hostname(), agentVersion: '0.1.0', platforms: [platform] },
        log,
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
        ...(options.backoff
          ? { initialBackoffMs: options.backoff.initialMs, maxBackoffMs: options.backoff.maxMs }
          : {}),
      });
      stream.start();
    }

    // Which sweep: the one asked for, else the state dir's unfinished one.
    let sweepOptions: SweepOptions | undefined;
    if (options.sweep) sweepOptions = { ...DEFAULT_SWEEP, ...options.sweep };
    else {
      const saved = outbox.unfinishedSweep();
      if (saved) {
        sweepOptions = JSON.parse(saved.options) as SweepOptions;
        log.info({ sweep: saved.id }, 'resuming an interrupted sweep');
      }
    }

    let measured = 0;
    let skipped = 0;
    let failed = 0;
    let planned = 0;
    let sweepIdValue: string | undefined;
    let stoppedReason: string | undefined;
    const protocol = options.timingProtocol ?? 'blocks';
    let syncOverhead: SyncOverhead | undefined;
    if (protocol === 'blocks') {
      // Once per platform: what one synchronisation costs here, recorded rather than hidden.
      syncOverhead = await measureSyncOverhead(engine);
      log.info(syncOverhead, 'synchronisation overhead');
    }
    const measure: MeasureOptions = {
      ...DEFAULT_MEASURE,
      ...options.measure,
      timing: { ...DEFAULT_TIMING, ...options.timing },
      ...(protocol === 'blocks'
        ? {
            blocks: {
              timing: {
                ...DEFAULT_BLOCK_TIMING,
                ...(options.timing?.warmupRuns !== undefined
                  ? { warmupRuns: options.timing.warmupRuns }
                  : {}),
                ...(options.timing?.budgetMs !== undefined ? { budgetMs: options.timing.budgetMs } : {}),
                // Blocks may spend what run-by-run timing would have: the time of warm-up + runs.
                ...(options.timing?.minRuns !== undefined
                  ? {
                      budgetRuns:
                        (options.timing.warmupRuns ?? DEFAULT_TIMING.warmupRuns) + options.timing.minRuns,
                    }
                  : {}),
                ...options.blockTiming,
              },
              clock: engine.blockClock ?? 'wall',
              ...(syncOverhead ? { syncOverheadMs: syncOverhead.syncOverheadMs } : {}),
            },
          }
        : {}),
      ...(idlePowerW !== undefined ? { idleW: idlePowerW } : {}),
    };
    let drift: DriftSummary | undefined;
    let processDrift: DriftSummary | undefined;
    // This process, as the outbox remembers who measured what: a later process resuming the same
    // sweep revisits some of it.
    const runId = randomBytes(8).toString('hex');

    const activeEngine = engine;
    const activeSampler = sampler;
    /**
     * Measures one configuration into the outbox under `outboxKey` (a revisit has its own key and
     * carries the drift from `revisitOf`, the first median); 'crashed' when the backend must not be
     * used again.
     */
    const measureOne = async (
      item: SweepItem,
      tag: string,
      progressLog: false | { done: number; total: number },
      revisit?: { outboxKey: string; firstMedianMs: number; acrossProcesses: boolean },
    ): Promise<{ outcome: ItemOutcome; record?: MeasurementRecord }> => {
      const outboxKey = revisit?.outboxKey ?? item.key;
      let outcome: ItemOutcome = 'failed';
      let record: MeasurementRecord | undefined;
      let work: Awaited<ReturnType<Engine['prepare']>> | undefined;
      try {
        work =
          item.type === 'layer'
            ? await activeEngine.prepare(item.config)
            : await activeEngine.prepareNetwork(item.network);
        const result = await measureWork(work, activeSampler, measure);
        if (result.powerNote) log.warn({ item: item.origin }, result.powerNote);
        record = buildRecord(item, platform.id, result);
        if (revisit && record.precision) {
          const driftRel = record.runtime.medianMs / revisit.firstMedianMs - 1;
          record = {
            ...record,
            precision: {
              ...record.precision,
              revisit: {
                firstMedianMs: revisit.firstMedianMs,
                driftRel,
                ...(revisit.acrossProcesses ? { acrossProcesses: true } : {}),
              },
            },
          };
        }
        // Validate with the collector's own schema: a record it would refuse never enters the outbox.
        const valid = measurementRecordSchema.safeParse(record);
        if (!valid.success) {
          const issue = valid.error.issues[0];
          throw new Error(`record would be refused: ${issue?.path.join('.')}: ${issue?.message}`);
        }
        outbox.add(record, outboxKey, tag, runId);
        options.onRecord?.(record);
        if (options.outFile) appendFileSync(options.outFile, `${JSON.stringify(record)}\n`);
        stream?.notify();
        // A revisit re-measures a configuration already counted.
        if (!revisit) {
          measured++;
          metrics?.configuration('measured');
        }
        outcome = 'measured';
        if (progressLog) {
          log.info(
            {
              item: item.origin,
              ...progressLog,
              runtimeMs: record.runtime.meanMs,
              medianMs: record.runtime.medianMs,
              ...(record.precision
                ? {
                    ciHalfWidthPct:
                      (100 * (record.precision.ciHighMs - record.precision.ciLowMs)) /
                      2 /
                      record.runtime.medianMs,
                    targetReached: record.precision.targetReached,
                  }
                : {}),
              powerW: record.power === 'unavailable' ? null : record.power.meanW,
              budgetExhausted: result.timing.budgetExhausted,
            },
            'measured',
          );
        }
      } catch (err) {
        if (!revisit) {
          failed++;
          metrics?.configuration('failed');
        }
        outcome = 'failed';
        record = undefined;
        outbox.markMeasured(outboxKey, tag);
        log.warn({ item: item.origin, err: (err as Error).message }, 'configuration failed; skipped');
        if (err instanceof WebAssembly.RuntimeError) {
          // A trapped wasm module may be left corrupted (later kernels hang or lie): stop here;
          // the same command resumes after this configuration in a fresh process.
          stoppedReason = `the ${activeEngine.identity.backend} backend crashed on ${item.origin} (${err.message}); run again to resume`;
          note(stoppedReason);
          work = undefined;
          return { outcome: 'crashed' };
        }
      } finally {
        work?.dispose();
      }
      return record ? { outcome, record } : { outcome };
    };

    if (sweepOptions) {
      const plan = await planSweep(platform.id, sweepOptions);
      for (const why of plan.invalid) note(`left out of the sweep, invalid layer: ${why}`);
      const invalidNoted = plan.invalid.length;
      sweepIdValue = plan.id;
      outbox.saveSweep(plan.id, JSON.stringify(sweepOptions), plan.maxItems);
      const known =
        options.collectorUrl && options.token && options.skipKnown !== false
          ? await fetchKnownKeys(options.collectorUrl, options.token, platform.id).catch((err: Error) => {
              log.warn({ err: err.message }, 'could not ask the collector which configurations it has');
              return new Set<string>();
            })
          : new Set<string>();
      const bar = (options.progress ?? process.stderr.isTTY) ? new ProgressBar(plan.maxItems) : undefined;
      let done = 0;
      const firstMedians = new Map<string, number>();
      // The plan is drawn lazily: keep the items a revisit may need.
      const revisitable = new Map<string, SweepItem>();
      // A resumed sweep: configurations an earlier process measured, chosen now (evenly spread over
      // what it measured) so their items can be kept when the plan passes them.
      const share = options.revisitShare ?? 0.05;
      const byOthers = outbox.measuredByOtherRuns(plan.id, runId);
      const earlier = chooseSpread(byOthers, processRevisitCount(share, byOthers.length));
      const earlierMedians = new Map(earlier.map((e) => [e.key, e.medianMs]));
      const earlierItems = new Map<string, SweepItem>();
      for (const item of plan.items) {
        // Skips cost no await: yield now and then so a signal is handled during a long resume.
        if (planned % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
        if (options.signal?.aborted) break;
        planned++;
        if (outbox.hasMeasured(item.key) || known.has(item.key)) {
          if (earlierMedians.has(item.key)) earlierItems.set(item.key, item);
          skipped++;
          metrics?.configuration('skipped');
          done++;
          continue;
        }
        bar?.update(done, item.origin, true);
        const { outcome, record } = await measureOne(
          item,
          plan.id,
          !bar && { done: done + 1, total: plan.maxItems },
        );
        if (outcome === 'crashed') break;
        if (item.type === 'layer' && record?.precision) {
          firstMedians.set(item.key, record.runtime.medianMs);
          revisitable.set(item.key, item);
        }
        done++;
      }
      for (const why of plan.invalid.slice(invalidNoted))
        note(`left out of the sweep, invalid layer: ${why}`);
      /** Measures `keys` again under `suffix`ed outbox keys; the |drift| of each. */
      const revisitAll = async (
        keys: readonly string[],
        items: ReadonlyMap<string, SweepItem>,
        firsts: ReadonlyMap<string, number>,
        suffix: string,
        acrossProcesses: boolean,
      ): Promise<number[]> => {
        const drifts: number[] = [];
        for (const key of keys) {
          if (options.signal?.aborted || stoppedReason) break;
          const item = items.get(key);
          const revisitKey = `${key}${suffix}`;
          if (item?.type !== 'layer' || outbox.hasMeasured(revisitKey)) continue;
          const { outcome, record } = await measureOne(item, plan.id, false, {
            outboxKey: revisitKey,
            firstMedianMs: firsts.get(key)!,
            acrossProcesses,
          });
          if (outcome === 'crashed') break;
          const d = record?.precision?.revisit?.driftRel;
          if (d !== undefined) drifts.push(Math.abs(d));
        }
        return drifts;
      };
      // Drift: a share of this run's configurations, spread over the sweep, measured again at its
      // end; one revisit per 1/share configurations (none in a sweep shorter than that).
      const count = Math.min(firstMedians.size, Math.floor(share * firstMedians.size + 1e-9));
      const own = chooseSpread([...firstMedians.keys()], count);
      if (!options.signal?.aborted && !stoppedReason) {
        drift = driftSummary(await revisitAll(own, revisitable, firstMedians, '#revisit', false));
        if (drift) log.info(drift, 'drift between first measurements and revisits');
        processDrift = driftSummary(
          await revisitAll(
            earlier.map((e) => e.key),
            earlierItems,
            earlierMedians,
            '#revisit-process',
            true,
          ),
        );
        if (processDrift) log.info(processDrift, 'drift against measurements of an earlier process');
      }
      bar?.finish(`sweep: ${measured} measured, ${skipped} skipped, ${failed} failed of ${planned}`);
      if (!options.signal?.aborted && !stoppedReason) outbox.finishSweep(plan.id);
      // Cut short, the rest of the plan was never drawn: report its upper bound instead.
      else planned = Math.max(planned, plan.maxItems);
    }

    let campaign: RunAgentResult['campaign'];
    if (!sweepOptions && options.collectorUrl && options.token) {
      const campaignId =
        options.campaign ??
        (await LeaseClient.find(options.collectorUrl, options.token, platform.id).catch((err: Error) => {
          log.warn({ err: err.message }, 'could not ask the collector for a campaign');
          return undefined;
        }));
      if (campaignId) {
        log.info({ campaign: campaignId }, 'working for a campaign');
        const run = await runCampaign({
          client: new LeaseClient(options.collectorUrl, options.token, campaignId, agentId, platform.id),
          leaseBatch: options.leaseBatch ?? 4,
          alreadyMeasured: (key) => outbox.hasMeasured(key),
          measure: async (item) =>
            (await measureOne(item, `campaign:${campaignId}`, { done: measured + 1, total: 0 })).outcome,
          ...(options.signal ? { signal: options.signal } : {}),
          log,
        }).catch((err: Error) => {
          if (err instanceof CampaignRefused) note(err.message);
          else throw err;
          return { leases: 0, measured: 0, skipped: 0, failed: 0, ended: `refused: ${err.message}` };
        });
        skipped += run.skipped;
        planned += run.measured + run.failed + run.skipped;
        if (run.ended === 'crashed') stoppedReason ??= 'the engine crashed during a campaign';
        campaign = { id: campaignId, leases: run.leases, ended: run.ended };
        log.info({ campaign: campaignId, ...run }, 'campaign work ended');
      }
    } else if (options.campaign) {
      throw new Error('--campaign needs --collector and --token, and no sweep flags');
    }

    if (stream && !options.signal?.aborted) {
      const drained = await Promise.race([
        stream.drain(options.drainTimeoutMs),
        new Promise<boolean>((resolve) => options.signal?.addEventListener('abort', () => resolve(false))),
      ]);
      if (!drained && stream.fatalError) throw stream.fatalError;
    }
    const achieved = sampler.achievedIntervalMs();
    return {
      agentId,
      platform,
      powerSource: sampler.source,
      powerDescription: sampler.description,
      ...(powerNote ? { powerNote } : {}),
      ...(idlePowerW !== undefined ? { idlePowerW } : {}),
      ...(achieved !== undefined ? { achievedIntervalMs: achieved } : {}),
      ...(sweepIdValue ? { sweepId: sweepIdValue } : {}),
      ...(campaign ? { campaign } : {}),
      planned,
      measured,
      skipped,
      failed,
      pending: outbox.pendingCount(),
      rejected: outbox.rejectedCount(),
      aborted: options.signal?.aborted ?? false,
      ...(stoppedReason ? { stoppedReason } : {}),
      ...(syncOverhead ? { syncOverhead } : {}),
      ...(drift ? { drift } : {}),
      ...(processDrift ? { processDrift } : {}),
      notes,
    };
  } finally {
    await stream?.stop();
    await sampler?.stop();
    // Last reading while the outbox is still open; the endpoint lives exactly as long as the run.
    metrics?.detach();
    await metricsServer?.close();
    await engine?.dispose();
    outbox.close();
  }
}
