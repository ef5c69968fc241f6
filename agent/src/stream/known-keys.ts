import { z } from 'zod';

const keysResponse = z.object({ platform: z.string(), keys: z.array(z.string()) });

/** `ws://host:port/...` → `http://host:port`. */
export function httpBase(collectorUrl: string): string {
  const u = new URL(collectorUrl);
  if (u.protocol === 'ws:') u.protocol = 'http:';
  if (u.protocol === 'wss:') u.protocol = 'https:';
  return `${u.protocol}//${u.host}`;
}

/**
 * The natural keys the collector already stores for a platform (`GET /v1/platforms/:id/keys`);
 * an unknown platform (404) has none.
 */
export async function fetchKnownKeys(
  collectorUrl: string,
  token: string,
  platformId: string,
): Promise<Set<string>> {
  const url = `${httpBase(collectorUrl)}/v1/platforms/${encodeURIComponent(platformId)}/keys`;
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5000),
  });
  if (res.status === 404) return new Set();
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  const parsed = keysResponse.safeParse(await res.json());
  if (!parsed.success)
    throw new Error(`${url} answered an unexpected body: ${parsed.error.issues[0]?.message}`);
  return new Set(parsed.data.keys);
}
