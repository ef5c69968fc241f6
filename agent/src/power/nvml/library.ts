import koffi, { type LibraryHandle } from 'koffi';

/** nvmlReturn_t values the source handles by name. */
export const NVML_SUCCESS = 0;
export const NVML_ERROR_NOT_SUPPORTED = 3;
/** nvml.h: current GPU power (mW), all architectures. */
export const NVML_FI_DEV_POWER_INSTANT = 186;
const NVML_CLOCK_SM = 1;
const NVML_CLOCK_MEM = 2;
const NVML_TEMPERATURE_GPU = 0;
const NVML_VALUE_TYPE_UNSIGNED_INT = 1;

export class NvmlError extends Error {
  constructor(
    readonly call: string,
    readonly code: number,
    text: string,
  ) {
    super(`${call} failed: ${text} (NVML error ${code})`);
  }
}

type Fn = (...args: unknown[]) => number;

interface FieldValue {
  fieldId: number;
  scopeId: number;
  timestamp: number;
  latencyUsec: number;
  valueType: number;
  nvmlReturn: number;
  value: number | bigint;
}

/** Reads of one device; each returns undefined where the device does not support the value. */
export interface NvmlDevice {
  /** mJ since the driver loaded (Volta and newer); throws NvmlError NOT_SUPPORTED before. */
  totalEnergyMj(): number;
  /** NVML_FI_DEV_POWER_INSTANT, else nvmlDeviceGetPowerUsage; W. */
  instantPowerW(): number | undefined;
  smClockMHz(): number | undefined;
  memClockMHz(): number | undefined;
  temperatureC(): number | undefined;
  throttleReasons(): number | undefined;
}

/** koffi type names are process-wide: declare them once. */
let typesDeclared = false;
function declareTypes(): void {
  if (typesDeclared) return;
  koffi.pointer('nvmlDevice_t', koffi.opaque());
  koffi.struct('nvmlFieldValue_t', {
    fieldId: 'uint',
    scopeId: 'uint',
    timestamp: 'long long',
    latencyUsec: 'long long',
    valueType: 'int',
    nvmlReturn: 'int',
    // a union of 8-byte values in nvml.h; read as its raw bits and decoded by valueType
    value: 'unsigned long long',
  });
  typesDeclared = true;
}

/**
 * `libnvidia-ml.so.1` through koffi (no compiler, no CUDA toolkit needed). `library` may name
 * another file: the tests load a stub compiled from C. Throws one line if it cannot be loaded.
 */
export class NvmlLibrary {
  private readonly fn: Record<string, Fn>;
  private readonly errorString: (code: number) => string;

  private constructor(readonly path: string) {
    let lib: LibraryHandle;
    try {
      lib = koffi.load(path);
    } catch (err) {
      throw new Error(`${path} could not be loaded: ${(err as Error).message.split('\n')[0]}`);
    }
    declareTypes();
    const sigs: Record<string, string> = {
      init: 'int nvmlInit_v2()',
      shutdown: 'int nvmlShutdown()',
      handle: 'int nvmlDeviceGetHandleByIndex_v2(unsigned int, _Out_ nvmlDevice_t *)',
      energy: 'int nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t, _Out_ unsigned long long *)',
      fields: 'int nvmlDeviceGetFieldValues(nvmlDevice_t, int, _Inout_ nvmlFieldValue_t *)',
      power: 'int nvmlDeviceGetPowerUsage(nvmlDevice_t, _Out_ unsigned int *)',
      clock: 'int nvmlDeviceGetClockInfo(nvmlDevice_t, int, _Out_ unsigned int *)',
      temperature: 'int nvmlDeviceGetTemperature(nvmlDevice_t, int, _Out_ unsigned int *)',
      throttle: 'int nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t, _Out_ unsigned long long *)',
    };
    this.fn = {};
    for (const [name, sig] of Object.entries(sigs)) {
      try {
        this.fn[name] = lib.func(sig) as Fn;
      } catch (err) {
        // Optional reads (clocks, throttle reasons) may be missing from an old driver; init is not.
        if (name === 'init' || name === 'handle') {
          throw new Error(`${path} lacks ${sig}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
    const errorString = lib.func('const char *nvmlErrorString(int)') as (code: number) => string;
    this.errorString = (code) => errorString(code) ?? `error ${code}`;
  }

  /** Loads the library and initialises NVML. */
  static open(path = 'libnvidia-ml.so.1'): NvmlLibrary {
    const nvml = new NvmlLibrary(path);
    nvml.check('nvmlInit_v2', nvml.fn['init']!());
    return nvml;
  }

  private check(call: string, code: number): void {
    if (code !== NVML_SUCCESS) throw new NvmlError(call, code, this.errorString(code));
  }

  shutdown(): void {
    this.fn['shutdown']?.();
  }

  /** The physical GPU by NVML index (MIG slices have no power of their own). */
  device(index: number): NvmlDevice {
    const out: unknown[] = [null];
    this.check('nvmlDeviceGetHandleByIndex_v2', this.fn['handle']!(index, out));
    const handle = out[0];
    const uint = (name: string, ...args: unknown[]): number | undefined => {
      const f = this.fn[name];
      if (!f) return undefined;
      const value = [0];
      return f(handle, ...args, value) === NVML_SUCCESS ? Number(value[0]) : undefined;
    };
    return {
      totalEnergyMj: () => {
        const value: (number | bigint)[] = [0];
        this.check('nvmlDeviceGetTotalEnergyConsumption', this.fn['energy']!(handle, value));
        return Number(value[0]);
      },
      instantPowerW: () => {
        const field: FieldValue = {
          fieldId: NVML_FI_DEV_POWER_INSTANT,
          scopeId: 0,
          timestamp: 0,
          latencyUsec: 0,
          valueType: 0,
          nvmlReturn: 0,
          value: 0,
        };
        const f = this.fn['fields'];
        if (f && f(handle, 1, field) === NVML_SUCCESS && field.nvmlReturn === NVML_SUCCESS) {
          if (field.valueType === NVML_VALUE_TYPE_UNSIGNED_INT)
            return Number(BigInt(field.value) & 0xffffffffn) / 1000;
        }
        const mw = uint('power');
        return mw === undefined ? undefined : mw / 1000;
      },
      smClockMHz: () => uint('clock', NVML_CLOCK_SM),
      memClockMHz: () => uint('clock', NVML_CLOCK_MEM),
      temperatureC: () => uint('temperature', NVML_TEMPERATURE_GPU),
      throttleReasons: () => {
        const f = this.fn['throttle'];
        if (!f) return undefined;
        const value: (number | bigint)[] = [0];
        return f(handle, value) === NVML_SUCCESS ? Number(value[0]) : undefined;
      },
    };
  }
}
