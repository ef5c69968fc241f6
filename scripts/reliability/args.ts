import { parseArgs } from 'node:util';

/** `--name value` integer flags with defaults; `--json` prints the report as JSON. */
export function intFlags<T extends Record<string, number>>(
  usage: string,
  defaults: T,
): { values: T; json: boolean } {
  const { values: parsed } = parseArgs({
    options: {
      ...Object.fromEntries(Object.keys(defaults).map((k) => [k, { type: 'string' as const }])),
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const values = parsed as Record<string, unknown>;
  if (values['help']) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const out: Record<string, number> = { ...defaults };
  for (const key of Object.keys(defaults)) {
    const raw = values[key];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`--${key} must be a whole number ≥ 0 (got ${String(raw)})`);
    out[key] = n;
  }
  return { values: out as T, json: values['json'] === true };
}
