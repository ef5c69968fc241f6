import { type ClientOptions, request } from '../client/index.js';
import type { CampaignDetail, CampaignSummary } from '../store/campaigns.js';
import type { CampaignCreateRequest } from './options.js';

const enc = encodeURIComponent;

/** `POST /v1/campaigns` (token). */
export async function createCampaign(
  url: string,
  body: CampaignCreateRequest,
  options?: ClientOptions,
): Promise<CampaignSummary> {
  return (await (
    await request(url, '/v1/campaigns', { method: 'POST', body }, options)
  ).json()) as CampaignSummary;
}

export async function listCampaigns(
  url: string,
  filter: { platform?: string; state?: string } = {},
  options?: ClientOptions,
): Promise<CampaignSummary[]> {
  const q = new URLSearchParams(
    Object.entries(filter).filter(([, v]) => v !== undefined) as [string, string][],
  );
  const res = await request(url, `/v1/campaigns${q.size > 0 ? `?${q}` : ''}`, {}, options);
  return ((await res.json()) as { campaigns: CampaignSummary[] }).campaigns;
}

export async function getCampaign(url: string, id: string, options?: ClientOptions): Promise<CampaignDetail> {
  return (await (await request(url, `/v1/campaigns/${enc(id)}`, {}, options)).json()) as CampaignDetail;
}

/** `POST /v1/campaigns/:id/stop` (token). */
export async function stopCampaign(
  url: string,
  id: string,
  options?: ClientOptions,
): Promise<CampaignSummary> {
  return (await (
    await request(url, `/v1/campaigns/${enc(id)}/stop`, { method: 'POST', body: {} }, options)
  ).json()) as CampaignSummary;
}
