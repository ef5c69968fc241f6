import {
  CAMPAIGN_STATES,
  type CampaignState,
  leaseReleaseRequestSchema,
  leaseRenewRequestSchema,
  leaseRequestSchema,
  parseWith,
} from '@neuralpower/protocol';
import type { z } from 'zod';
import type { CollectorContext } from '../http/context.js';
import { HttpError, type RouteRequest, type Router, sendJson } from '../http/router.js';
import { authorise } from './access.js';
import { campaignCreateSchema } from './options.js';

async function body<T extends z.ZodType>(schema: T, req: RouteRequest): Promise<z.output<T>> {
  const buf = await req.body();
  const r = parseWith(schema, buf.length === 0 ? {} : await req.json());
  if (!r.ok) throw new HttpError(400, r.message, r.field);
  return r.value;
}

/** `/v1/campaigns…`: create/list/show/stop (admin) and the agents' lease endpoints (docs/protocol.md). */
export function mountCampaigns(router: Router, ctx: CollectorContext): void {
  const campaigns = ctx.campaigns;

  router.get('/v1/campaigns', async (req, res) => {
    await authorise(ctx, req, 'read');
    const state = req.query.get('state');
    if (state !== null && !CAMPAIGN_STATES.includes(state as CampaignState)) {
      throw new HttpError(400, `state must be one of ${CAMPAIGN_STATES.join(', ')}`, 'state');
    }
    const platformId = req.query.get('platform');
    sendJson(res, 200, {
      campaigns: await campaigns.list({
        ...(platformId ? { platformId } : {}),
        ...(state ? { state: state as CampaignState } : {}),
      }),
    });
  });

  router.post('/v1/campaigns', async (req, res) => {
    await authorise(ctx, req, 'admin');
    sendJson(res, 201, await campaigns.create(await body(campaignCreateSchema, req)));
  });

  router.get('/v1/campaigns/:id', async (req, res) => {
    await authorise(ctx, req, 'read');
    sendJson(res, 200, await campaigns.detail(req.params['id']!));
  });

  router.post('/v1/campaigns/:id/stop', async (req, res) => {
    const token = await authorise(ctx, req, 'admin');
    sendJson(res, 200, await campaigns.stop(req.params['id']!, `token ${token?.name}`));
  });

  router.post('/v1/campaigns/:id/leases', async (req, res) => {
    await authorise(ctx, req, 'agent');
    sendJson(res, 200, await campaigns.lease(req.params['id']!, await body(leaseRequestSchema, req)));
  });

  router.post('/v1/campaigns/:id/leases/:lease/renew', async (req, res) => {
    await authorise(ctx, req, 'agent');
    const b = await body(leaseRenewRequestSchema, req);
    sendJson(res, 200, await campaigns.renew(req.params['id']!, req.params['lease']!, b.agentId));
  });

  router.post('/v1/campaigns/:id/leases/:lease/release', async (req, res) => {
    await authorise(ctx, req, 'agent');
    const b = await body(leaseReleaseRequestSchema, req);
    sendJson(res, 200, await campaigns.release(req.params['id']!, req.params['lease']!, b.agentId, b.items));
  });
}
