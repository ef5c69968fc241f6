// Reads the collector's validation response ({networks: ValidationEntry[]}) into the rows the view draws.

export function toValidationRows(json) {
  const entries = Array.isArray(json) ? json : (json?.networks ?? []);
  return entries.map((entry) => {
    const byVersion = new Map();
    for (const p of entry.predictions ?? []) {
      byVersion.set(p.version, { runtimeMs: p.runtimeMs ?? null, energyMj: p.energyMj ?? null });
    }
    return {
      label: `${entry.network} ×${entry.batch}`,
      network: entry.network,
      batch: entry.batch,
      measured: { runtimeMs: entry.measured?.runtimeMs ?? null, energyMj: entry.measured?.energyMj ?? null },
      byVersion,
      error: entry.error ?? null,
    };
  });
}
