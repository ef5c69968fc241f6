/**
 * Platform fingerprints. A platform is everything that changes a layer's runtime or power:
 * the GPU model, its driver, the enforced power limit, and the engine/backend/version running
 * the layers (for CPU platforms, the CPU model and the engine). Agents on equal platforms share
 * models, so the id must be stable across hosts, reboots and field order.
 */

export interface EngineIdentity {
  /** e.g. `tfjs` */
  readonly name: string;
  /** e.g. `tensorflow`, `webgpu`, `wasm`, `cpu` */
  readonly backend: string;
  /** the engine's version string, e.g. `4.22.0` */
  readonly version: string;
  /**
   * Further settings that change the numbers (torch: CUDA/cuDNN versions, precision,
   * cudnn.benchmark, SM count, memory). Part of the id only when present, so older ids stay.
   */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface GpuPlatformInput {
  readonly kind: 'gpu';
  /** as nvidia-smi prints `name`, e.g. `NVIDIA H100 80GB HBM3` */
  readonly gpuName: string;
  readonly driverVersion: string;
  /** `enforced.power.limit` in watts; null where the driver does not report it */
  readonly enforcedPowerLimitW: number | null;
  readonly engine: EngineIdentity;
}

export interface CpuPlatformInput {
  readonly kind: 'cpu';
  /** e.g. `AMD EPYC 7B13` (from /proc/cpuinfo `model name`) */
  readonly cpuModel: string;
  readonly engine: EngineIdentity;
}

export type PlatformInput = GpuPlatformInput | CpuPlatformInput;

export interface PlatformFingerprint {
  /** `gpu-` or `cpu-` followed by 16 hex digits; stable for equal inputs */
  readonly id: string;
  /** one line for people, e.g. `NVIDIA H100 80GB HBM3 · driver 550.54 · 700 W · tfjs 4.22.0/tensorflow` */
  readonly description: string;
}

/** Collapses whitespace so `NVIDIA  H100 ` and `NVIDIA H100` are one platform. */
function norm(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

/** Power limits read as `700.00 W`; whole watts keep the id stable across driver formatting. */
function roundWatts(value: number | null): string {
  return value === null || !Number.isFinite(value) ? 'unknown' : String(Math.round(value));
}

/**
 * 64-bit FNV-1a over UTF-8 bytes, as 16 hex digits. Not cryptographic: it only has to be stable
 * and pure (no node:crypto, so the package also runs in a browser).
 */
export function fnv1a64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (const b of bytes) {
    hash ^= BigInt(b);
    hash = (hash * prime) & mask;
  }
  return hash.toString(16).padStart(16, '0');
}

/** `|key=value;…` in key order, or nothing when the engine has no settings. */
function settingsText(engine: EngineIdentity): string {
  const entries = Object.entries(engine.settings ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? `|${entries.map(([k, v]) => `${norm(k)}=${norm(v)}`).join(';')}` : '';
}

/** The canonical text the id hashes; exposed so tests and docs can show what goes in. */
export function platformCanonicalText(input: PlatformInput): string {
  const engine = `${norm(input.engine.name).toLowerCase()}|${norm(input.engine.backend).toLowerCase()}|${norm(input.engine.version)}${settingsText(input.engine)}`;
  if (input.kind === 'gpu') {
    return `gpu|${norm(input.gpuName)}|${norm(input.driverVersion)}|${roundWatts(input.enforcedPowerLimitW)}|${engine}`;
  }
  return `cpu|${norm(input.cpuModel)}|${engine}`;
}

export function platformFingerprint(input: PlatformInput): PlatformFingerprint {
  const id = `${input.kind}-${fnv1a64(platformCanonicalText(input))}`;
  const settings = Object.entries(input.engine.settings ?? {});
  const engine = `${norm(input.engine.name)} ${norm(input.engine.version)}/${norm(input.engine.backend)}${
    settings.length ? ` (${settings.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''
  }`;
  const description =
    input.kind === 'gpu'
      ? `${norm(input.gpuName)} · driver ${norm(input.driverVersion)} · ${
          input.enforcedPowerLimitW === null
            ? 'power limit unknown'
            : `${roundWatts(input.enforcedPowerLimitW)} W`
        } · ${engine}`
      : `${norm(input.cpuModel)} · ${engine}`;
  return { id, description };
}
