import { hexMask, type NvidiaCsvRow, num } from './csv.js';
import type { ListedMigDevice } from './list.js';

/** Static facts about one GPU; every field the driver did not give is absent. */
export interface GpuInfo {
  readonly index: number;
  readonly uuid?: string;
  readonly name?: string;
  readonly driverVersion?: string;
  readonly pciBusId?: string;
  readonly memoryTotalMiB?: number;
  readonly powerLimitW?: number;
  readonly enforcedPowerLimitW?: number;
  readonly defaultPowerLimitW?: number;
  readonly maxSmClockMHz?: number;
  readonly maxMemClockMHz?: number;
  readonly computeCap?: string;
  readonly migMode?: string;
  readonly mig: readonly ListedMigDevice[];
}

/** Fields the probe asks for, in preference order; those the driver lacks are dropped first. */
export const PROBE_FIELDS = [
  'index',
  'uuid',
  'name',
  'driver_version',
  'pci.bus_id',
  'memory.total',
  'power.limit',
  'enforced.power.limit',
  'power.default_limit',
  'clocks.max.sm',
  'clocks.max.memory',
  'compute_cap',
  'mig.mode.current',
] as const;

/** Builds GpuInfo from a query-gpu row; rows without a numeric index are rejected (undefined). */
export function gpuInfoFromRow(row: NvidiaCsvRow, mig: readonly ListedMigDevice[] = []): GpuInfo | undefined {
  const index = num(row['index']);
  if (index === undefined || !Number.isInteger(index)) return undefined;
  return {
    index,
    uuid: row['uuid'],
    name: row['name'],
    driverVersion: row['driver_version'],
    pciBusId: row['pci.bus_id'],
    memoryTotalMiB: num(row['memory.total']),
    powerLimitW: num(row['power.limit']),
    enforcedPowerLimitW: num(row['enforced.power.limit']),
    defaultPowerLimitW: num(row['power.default_limit']),
    maxSmClockMHz: num(row['clocks.max.sm']),
    maxMemClockMHz: num(row['clocks.max.memory']),
    computeCap: row['compute_cap'],
    migMode: row['mig.mode.current'],
    mig,
  };
}

/** One live reading, as the sampler and the probe's idle/load snapshots see it. */
export interface GpuReading {
  readonly index?: number;
  readonly powerW?: number;
  readonly powerInstantW?: number;
  readonly smClockMHz?: number;
  readonly memClockMHz?: number;
  readonly temperatureC?: number;
  readonly utilizationPct?: number;
  readonly pstate?: string;
  readonly throttleReasons?: number;
}

export function readingFromRow(row: NvidiaCsvRow): GpuReading {
  return {
    index: num(row['index']),
    powerW: num(row['power.draw']),
    powerInstantW: num(row['power.draw.instant']),
    smClockMHz: num(row['clocks.sm'] ?? row['clocks.current.sm']),
    memClockMHz: num(row['clocks.mem'] ?? row['clocks.current.memory']),
    temperatureC: num(row['temperature.gpu']),
    utilizationPct: num(row['utilization.gpu']),
    pstate: row['pstate'],
    throttleReasons: hexMask(row['clocks_event_reasons.active'] ?? row['clocks_throttle_reasons.active']),
  };
}

/** Bit names of `clocks_event_reasons.active` (nvml.h `nvmlClocksEventReason*`). */
const THROTTLE_BITS: readonly [number, string][] = [
  [0x1, 'gpu_idle'],
  [0x2, 'applications_clocks_setting'],
  [0x4, 'sw_power_cap'],
  [0x8, 'hw_slowdown'],
  [0x10, 'sync_boost'],
  [0x20, 'sw_thermal_slowdown'],
  [0x40, 'hw_thermal_slowdown'],
  [0x80, 'hw_power_brake_slowdown'],
  [0x100, 'display_clock_setting'],
];

export function throttleReasonNames(mask: number | undefined): string[] {
  if (mask === undefined) return [];
  return THROTTLE_BITS.filter(([bit]) => (mask & bit) !== 0).map(([, name]) => name);
}
