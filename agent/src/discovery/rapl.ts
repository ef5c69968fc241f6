import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export const DEFAULT_POWERCAP_ROOT = '/sys/class/powercap';

/** One RAPL package zone (top-level `intel-rapl:N`, named `package-N`). */
export interface RaplZone {
  readonly id: string;
  readonly name: string;
  readonly dir: string;
  readonly maxEnergyRangeUj: number;
  /** energy_uj is root-only on kernels since 5.10 (CVE-2020-8694); an unreadable zone cannot be sampled. */
  readonly readable: boolean;
  readonly reason?: string;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/**
 * Lists package zones under a powercap root. Sub-zones (`intel-rapl:0:0`, core/uncore/dram) are
 * skipped: they are already inside their package's counter and would double-count.
 */
export async function discoverRaplZones(root = DEFAULT_POWERCAP_ROOT): Promise<RaplZone[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return [];
  }
  const zones: RaplZone[] = [];
  for (const id of entries.sort()) {
    if (!/^[a-z-]*rapl:\d+$/.test(id)) continue;
    const dir = path.join(root, id);
    const name = (await readText(path.join(dir, 'name'))) ?? id;
    if (!name.startsWith('package')) continue;
    const max = Number(await readText(path.join(dir, 'max_energy_range_uj')));
    const energy = await readText(path.join(dir, 'energy_uj'));
    const readable = energy !== undefined && Number.isFinite(Number(energy));
    zones.push({
      id,
      name,
      dir,
      maxEnergyRangeUj: Number.isFinite(max) && max > 0 ? max : 0,
      readable,
      ...(readable
        ? {}
        : { reason: `${path.join(dir, 'energy_uj')} is not readable (root only since Linux 5.10)` }),
    });
  }
  return zones;
}
