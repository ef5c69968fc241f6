/**
 * What a token may do. `agent`: stream measurements over /v1/agents (and read the measured keys of
 * a platform, which agents use to skip work). `read`: every query, the CSV export, predictions and
 * the dashboard's data. `admin`: fit, rollback, delete/exclude measurements, tokens; implies `read`.
 */
export const SCOPES = ['agent', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Scopes a token carries when none are given: the common case, a token for one agent. */
export const DEFAULT_SCOPES: readonly Scope[] = ['agent'];

export function isScope(text: string): text is Scope {
  return (SCOPES as readonly string[]).includes(text);
}

/** `agent,read` → ['agent', 'read']; throws naming the unknown scope. */
export function parseScopes(text: string | readonly string[]): Scope[] {
  const items = (typeof text === 'string' ? text.split(',') : text.flatMap((t) => t.split(',')))
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error(`a token needs at least one scope (${SCOPES.join(', ')})`);
  const out = new Set<Scope>();
  for (const item of items) {
    if (!isScope(item)) throw new Error(`unknown scope ${JSON.stringify(item)}: use ${SCOPES.join(', ')}`);
    out.add(item);
  }
  return SCOPES.filter((s) => out.has(s));
}

/** Whether a token with `held` scopes may do what `needed` allows (`admin` implies `read`). */
export function allows(held: readonly Scope[], needed: Scope): boolean {
  return held.includes(needed) || (needed === 'read' && held.includes('admin'));
}
