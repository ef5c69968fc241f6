import { randomBytes } from 'node:crypto';
import {
  campaignListSchema,
  type LeaseRenewResponse,
  type LeaseResponse,
  leaseReleaseResponseSchema,
  leaseRenewResponseSchema,
  leaseResponseSchema,
  parseWith,
} from '@neuralpower/protocol';
import type { z } from 'zod';
import { httpBase } from '../stream/known-keys.js';

/** The collector refused a campaign call in a way retrying cannot fix (unknown campaign, wrong platform, token). */
export class CampaignRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CampaignRefused';
  }
}

/**
 * The agent's side of the campaign lease endpoints (docs/protocol.md, "Campaign leases"). Answers
 * are validated with the protocol's schemas. A lease request is retried with the same requestId, so
 * a lost answer never leaves a second lease behind.
 */
export class LeaseClient {
  private readonly base: string;

  constructor(
    collectorUrl: string,
    private readonly token: string,
    readonly campaignId: string,
    private readonly agentId: string,
    private readonly platformId: string,
  ) {
    this.base = `${httpBase(collectorUrl)}/v1/campaigns/${encodeURIComponent(campaignId)}`;
  }

  /** The running campaign for a platform, if the collector has one (the oldest when several). */
  static async find(collectorUrl: string, token: string, platformId: string): Promise<string | undefined> {
    const url = `${httpBase(collectorUrl)}/v1/campaigns?platform=${encodeURIComponent(platformId)}&state=running`;
    const body = await call(url, token, 'GET', undefined);
    const parsed = parseWith(campaignListSchema, body);
    if (!parsed.ok) throw new Error(`${url} answered an unexpected body: ${parsed.message}`);
    return parsed.value.campaigns[0]?.id;
  }

  async lease(max: number, attempts = 40): Promise<LeaseResponse> {
    const requestId = randomBytes(8).toString('hex');
    const payload = { agentId: this.agentId, platform: this.platformId, max, requestId };
    return retry(attempts, () => this.post(`${this.base}/leases`, payload, leaseResponseSchema));
  }

  async renew(leaseId: string): Promise<LeaseRenewResponse> {
    return retry(40, () =>
      this.post(
        `${this.base}/leases/${encodeURIComponent(leaseId)}/renew`,
        { agentId: this.agentId },
        leaseRenewResponseSchema,
      ),
    );
  }

  async release(leaseId: string, items?: readonly number[]): Promise<number> {
    const r = await this.post(
      `${this.base}/leases/${encodeURIComponent(leaseId)}/release`,
      { agentId: this.agentId, ...(items ? { items } : {}) },
      leaseReleaseResponseSchema,
    );
    return r.released;
  }

  private async post<T extends z.ZodType>(url: string, payload: unknown, schema: T): Promise<z.output<T>> {
    const body = await call(url, this.token, 'POST', payload);
    const parsed = parseWith(schema, body);
    if (!parsed.ok) throw new Error(`${url} answered an unexpected body: ${parsed.message}`);
    return parsed.value;
  }
}

async function call(url: string, token: string, method: string, payload: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
    ...(payload ? { body: JSON.stringify(payload) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status >= 400 && res.status < 500) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error: { message: string } }).error.message;
    } catch {}
    throw new CampaignRefused(`${method} ${url}: HTTP ${res.status}: ${message}`);
  }
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status}`);
  return JSON.parse(text) as unknown;
}

/** Network faults and 5xx are retried (same request, so the same lease); refusals are not. */
async function retry<T>(attempts: number, fn: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CampaignRefused) throw err;
      last = err;
      // A restarting collector: keep trying for about a minute (same request, same lease).
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * 2 ** i)));
    }
  }
  throw last;
}
