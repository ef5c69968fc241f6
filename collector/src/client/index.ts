import type { PredictRequest, PredictResponse } from '../predict/predict-service.js';

/** An HTTP client for a collector; failures throw with the collector's own error message. */
export interface ClientOptions {
  /** bearer token for the mutating endpoints (fit, rollback) */
  readonly token?: string;
  /** default 60 s (a requested fit waits for the fitter) */
  readonly timeoutMs?: number;
}

export class CollectorRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
    this.name = 'CollectorRequestError';
  }
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

export async function request(
  base: string,
  path: string,
  init: { method?: string; body?: unknown },
  options: ClientOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  // Serialised before the request: a body that cannot be serialised is our fault, not the network's.
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  let res: Response;
  try {
    res = await fetch(join(base, path), {
      method: init.method ?? 'GET',
      headers,
      ...(body !== undefined && { body }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new Error(`cannot reach the collector at ${base}: ${cause ?? (err as Error).message}`);
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    let field: string | null = null;
    try {
      const body = (await res.json()) as { error?: { message?: string; field?: string | null } };
      if (body.error?.message) message = body.error.message;
      field = body.error?.field ?? null;
    } catch {
      // not JSON: keep the status line
    }
    throw new CollectorRequestError(res.status, `collector: ${message}`, field);
  }
  return res;
}

async function getJson<T>(base: string, path: string, options?: ClientOptions): Promise<T> {
  return (await (await request(base, path, {}, options)).json()) as T;
}

const enc = encodeURIComponent;

/** `POST /v1/predict`: per-layer rows, totals and uncovered layers, as the core computes them. */
export async function predictViaCollector(
  url: string,
  body: PredictRequest,
  options?: ClientOptions,
): Promise<PredictResponse> {
  return (await (
    await request(url, '/v1/predict', { method: 'POST', body }, options)
  ).json()) as PredictResponse;
}

export interface PlatformListing {
  readonly id: string;
  readonly description: string;
  readonly measurements: number;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
}

export async function listPlatforms(url: string, options?: ClientOptions): Promise<PlatformListing[]> {
  return (await getJson<{ platforms: PlatformListing[] }>(url, '/v1/platforms', options)).platforms;
}

export async function getPlatform(
  url: string,
  id: string,
  options?: ClientOptions,
): Promise<Record<string, unknown>> {
  return getJson(url, `/v1/platforms/${enc(id)}`, options);
}

export interface ModelListing {
  readonly platform: string;
  readonly current: { kind: string; target: string; version: number }[];
  readonly versions: {
    kind: string;
    target: string;
    version: number;
    parentVersion: number | null;
    createdAt: string;
    trainingRows: number;
    trainingSetHash: string;
    report: { rmspe?: number; rmse?: number; modelSize?: number; n?: number } & Record<string, unknown>;
    current: boolean;
  }[];
}

export async function listModels(
  url: string,
  platform: string,
  options?: ClientOptions,
): Promise<ModelListing> {
  return getJson(url, `/v1/platforms/${enc(platform)}/models`, options);
}

export async function getModelVersion(
  url: string,
  platform: string,
  version: number,
  options?: ClientOptions,
): Promise<Record<string, unknown>> {
  return getJson(url, `/v1/platforms/${enc(platform)}/models/${version}`, options);
}

export async function rollbackModel(
  url: string,
  platform: string,
  body: { kind: string; target: 'runtime' | 'power'; to?: number },
  options?: ClientOptions,
): Promise<{ kind: string; target: string; fromVersion: number | null; toVersion: number }> {
  const res = await request(
    url,
    `/v1/platforms/${enc(platform)}/models/rollback`,
    { method: 'POST', body },
    options,
  );
  return (await res.json()) as {
    kind: string;
    target: string;
    fromVersion: number | null;
    toVersion: number;
  };
}

export async function requestFit(
  url: string,
  platform: string,
  kinds: readonly string[] | undefined,
  options?: ClientOptions,
): Promise<{
  platform: string;
  fits: {
    kind: string;
    versions: { version: number; target: string }[];
    skipped: { target: string; reason: string }[];
    error: string | null;
    durationMs: number;
  }[];
}> {
  const res = await request(
    url,
    `/v1/platforms/${enc(platform)}/fit`,
    { method: 'POST', body: kinds ? { kinds } : {} },
    { timeoutMs: 600_000, ...options },
  );
  return (await res.json()) as Awaited<ReturnType<typeof requestFit>>;
}

export async function fetchValidation(
  url: string,
  platform: string,
  options?: ClientOptions,
): Promise<Record<string, unknown>> {
  return getJson(url, `/v1/platforms/${enc(platform)}/validation`, options);
}

/** Natural keys the collector has for a platform (`recordKey` / `layerConfigKey` of the protocol). */
export async function fetchMeasuredKeys(
  url: string,
  platform: string,
  options?: ClientOptions,
): Promise<string[]> {
  try {
    return (await getJson<{ keys: string[] }>(url, `/v1/platforms/${enc(platform)}/keys`, options)).keys;
  } catch (err) {
    // A platform the collector has never seen has measured nothing.
    if (err instanceof CollectorRequestError && err.status === 404) return [];
    throw err;
  }
}

export interface ExportFilter {
  readonly platform?: string;
  readonly kind?: string;
  readonly from?: string;
  readonly to?: string;
}

/** The CSV export as a web stream of bytes (write it to a file or stdout). */
export async function exportCsv(
  url: string,
  filter: ExportFilter,
  options?: ClientOptions,
): Promise<ReadableStream<Uint8Array>> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, v);
  const res = await request(
    url,
    `/v1/measurements.csv${q.size > 0 ? `?${q}` : ''}`,
    {},
    { timeoutMs: 3_600_000, ...options },
  );
  return res.body!;
}

/** The HTTP base of a collector given the agent URL (`ws://h:p/v1/agents` → `http://h:p`). */
export function httpUrlOf(collectorUrl: string): string {
  const u = new URL(collectorUrl);
  const protocol = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol;
  return `${protocol}//${u.host}`;
}

/** Which measurements of a platform to exclude, include again or delete (at least one condition). */
export interface MeasurementSelectionBody {
  readonly kind?: string;
  readonly key?: string;
  readonly agent?: string;
  readonly before?: string;
  readonly implausible?: boolean;
  readonly reason?: string;
  readonly refit?: boolean;
}

export interface CurationResponse {
  readonly platform: string;
  readonly auditId: number;
  readonly action: 'exclude' | 'include' | 'delete';
  readonly rows: number;
  readonly kinds: readonly string[];
  readonly fits: readonly {
    kind: string;
    versions: { target: string; version: number }[];
    skipped: { target: string; reason: string }[];
    error: string | null;
  }[];
}

/** `POST /v1/platforms/:id/measurements/{exclude,include,delete}` (audited; refits what changed). */
export async function curateMeasurements(
  url: string,
  platform: string,
  action: 'exclude' | 'include' | 'delete',
  body: MeasurementSelectionBody,
  options?: ClientOptions,
): Promise<CurationResponse> {
  const res = await request(
    url,
    `/v1/platforms/${enc(platform)}/measurements/${action}`,
    { method: 'POST', body },
    options,
  );
  return (await res.json()) as CurationResponse;
}

export interface AuditListing {
  readonly platform: string;
  readonly entries: readonly {
    id: number;
    at: string;
    tokenName: string;
    action: string;
    filter: Record<string, unknown>;
    rows: number;
    reason: string | null;
  }[];
}

export async function measurementAudit(
  url: string,
  platform: string,
  options?: ClientOptions,
): Promise<AuditListing> {
  return getJson(url, `/v1/platforms/${enc(platform)}/measurements/audit`, options);
}
