/**
 * `nvidia-smi --help-query-gpu` lists every field this driver knows, as lines such as
 * `"clocks.current.sm" or "clocks.sm"`. Fields outside this set make the whole query fail, so the
 * sampler drops them before it starts.
 */
export function parseHelpQueryGpu(text: string): Set<string> {
  const fields = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('"')) continue;
    for (const m of line.matchAll(/"([A-Za-z0-9_.]+)"/g)) fields.add(m[1]!);
  }
  return fields;
}
