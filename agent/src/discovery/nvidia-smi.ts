import { parseNvidiaCsv } from './csv.js';
import { runTool } from './exec.js';
import { type GpuInfo, gpuInfoFromRow, PROBE_FIELDS } from './gpu.js';
import { parseHelpQueryGpu } from './help-query.js';
import { parseNvidiaSmiList } from './list.js';
import { type NvidiaSmiVersion, parseNvidiaSmiVersion } from './version.js';

export interface NvidiaSmiOptions {
  /** Executable name or path; tests put a fake one first on PATH. */
  readonly command?: string;
  readonly timeoutMs?: number;
}

export type NvidiaProbe =
  | {
      readonly ok: true;
      readonly gpus: readonly GpuInfo[];
      readonly version: NvidiaSmiVersion;
      /** Every `--query-gpu` field this driver accepts; empty when `--help-query-gpu` failed. */
      readonly supportedFields: readonly string[];
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

/** Keeps the fields a driver knows; with no field list (help failed) keeps all and hopes. */
export function supportedOnly(fields: readonly string[], supported: ReadonlySet<string>): string[] {
  if (supported.size === 0) return [...fields];
  return fields.filter((f) => supported.has(f));
}

/**
 * Finds NVIDIA GPUs. Any failure of the tool itself (missing, hanging, non-zero exit, no GPU rows)
 * is a reason, not an exception: the agent then measures on the CPU and says why.
 */
export async function probeNvidiaSmi(options: NvidiaSmiOptions = {}): Promise<NvidiaProbe> {
  const command = options.command ?? 'nvidia-smi';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const warnings: string[] = [];

  // Independent calls run together: a probe on a busy machine should not take four round trips.
  const [version, help, list] = await Promise.all([
    runTool(command, ['--version'], timeoutMs),
    runTool(command, ['--help-query-gpu'], timeoutMs),
    runTool(command, ['-L'], timeoutMs),
  ]);
  if (!version.ok) return { ok: false, reason: version.reason };
  const supported = help.ok ? parseHelpQueryGpu(help.stdout) : new Set<string>();
  if (!help.ok) warnings.push(`could not list query fields (${help.reason}); asking for all of them`);

  const fields = supportedOnly(PROBE_FIELDS, supported);
  if (!fields.includes('index')) return { ok: false, reason: `${command} does not offer the "index" field` };
  const query = await runTool(
    command,
    [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits'],
    timeoutMs,
  );
  if (!query.ok) return { ok: false, reason: query.reason };
  const listed = list.ok ? parseNvidiaSmiList(list.stdout) : [];
  if (!list.ok) warnings.push(`could not list MIG devices (${list.reason})`);

  const gpus: GpuInfo[] = [];
  for (const row of parseNvidiaCsv(query.stdout, fields)) {
    const index = Number(row['index']);
    const info = gpuInfoFromRow(row, listed.find((g) => g.index === index)?.mig ?? []);
    if (info) gpus.push(info);
    else warnings.push(`skipped a GPU row without an index: ${JSON.stringify(row)}`);
  }
  if (gpus.length === 0) return { ok: false, reason: `${command} reported no GPUs` };
  return {
    ok: true,
    gpus,
    version: parseNvidiaSmiVersion(version.stdout),
    supportedFields: [...supported],
    warnings,
  };
}
