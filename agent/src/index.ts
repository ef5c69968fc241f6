/**
 * @neuralpower/agent: GPU/CPU discovery, power samplers, torch and TF.js layer benchmarks, sweeps and the
 * durable outbox that streams records to a collector.
 */

export { RANGE_PRESET_NAMES, RANGE_PRESETS, type RangePreset, SAMPLE_KINDS } from '@neuralpower/core';
export {
  type BlockProtocolResult,
  type BlockTimingOptions,
  DEFAULT_BLOCK_TIMING,
  timeBlocks,
} from './bench/blocks.js';
export { type Measured, type MeasureOptions, measureIdlePower, measureWork } from './bench/measure.js';
export { type MedianInterval, medianInterval, outlierCount } from './bench/median-ci.js';
export { type RuntimeSummary, summarise } from './bench/stats.js';
export { measureSyncOverhead, type SyncOverhead } from './bench/sync-overhead.js';
export { DEFAULT_TIMING, type TimingOptions, type TimingResult, timeWork } from './bench/timing.js';
export { type CheckResult, REFERENCE_LAYERS, runCheck } from './check.js';
export { parseNvidiaCsv } from './discovery/csv.js';
export type { GpuInfo, GpuReading } from './discovery/gpu.js';
export { probeNvidiaSmi } from './discovery/nvidia-smi.js';
export { type PlatformProbe, probePlatform } from './discovery/probe.js';
export { discoverRaplZones, type RaplZone } from './discovery/rapl.js';
export { ENGINE_CHOICES, type EngineChoice } from './engine/choices.js';
export type {
  BackToBackWindow,
  BlockTimingRequest,
  BlockTimingResult,
  Engine,
  PreparedWork,
} from './engine/engine.js';
export { createEngine, type EngineContext } from './engine/registry.js';
export { availableBackends, TFJS_BACKENDS, type TfjsBackendChoice } from './engine/tfjs/backends.js';
export { TfjsEngine } from './engine/tfjs/index.js';
export {
  TORCH_DEVICES,
  TORCH_PRECISIONS,
  TorchEngine,
  type TorchEngineOptions,
} from './engine/torch/index.js';
export { createLogger, type Logger, silentLogger } from './log.js';
export { AgentMetrics, type ConfigurationOutcome, type MetricsSources } from './metrics/metrics.js';
export { type MetricsAddress, type MetricsServer, serveMetrics } from './metrics/server.js';
export { Outbox } from './outbox/outbox.js';
export { declarePlatform } from './platform.js';
export { NvmlSampler } from './power/nvml/index.js';
export { createPowerSampler, POWER_CHOICES, type PowerChoice } from './power/registry.js';
export type { PowerSampler, PowerSourceName } from './power/sampler.js';
export type { PowerWindow } from './power/window.js';
export {
  type DriftSummary,
  type RunAgentOptions,
  type RunAgentResult,
  runAgent,
  TIMING_PROTOCOLS,
  type TimingProtocolName,
} from './run.js';
export { CollectorStream, FatalStreamError } from './stream/client.js';
export { DEFAULT_SWEEP, planSweep, type SweepItem, type SweepOptions, type SweepPlan } from './sweep/plan.js';
