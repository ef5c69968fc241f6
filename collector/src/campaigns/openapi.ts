import { errorResponse, jsonResponse } from '../http/openapi-parts.js';

/** OpenAPI path entries of the campaign routes (merged into /v1/openapi.json). */

const bearer = [{ bearer: [] }];
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'c-1a2b3c4d' };
const lease = {
  name: 'lease',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  example: 'l-0011223344556677',
};
const body = (properties: Record<string, unknown>, required: string[] = []) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object', properties, required } } },
});

export const campaignPaths = {
  '/v1/campaigns': {
    get: {
      summary: 'Campaigns with progress (measured / leased / left) and the current error per kind',
      parameters: [
        { name: 'platform', in: 'query', schema: { type: 'string' } },
        { name: 'state', in: 'query', schema: { type: 'string', enum: ['running', 'stopped', 'done'] } },
      ],
      responses: { 200: jsonResponse('campaigns'), 400: errorResponse },
    },
    post: {
      summary: 'Create a campaign (admin token): plan, budget, target RMSPE, sampling strategy',
      security: bearer,
      requestBody: body(
        {
          platform: { type: 'string' },
          gpuName: { type: 'string', description: 'instead of platform: the one platform with this GPU' },
          kinds: { type: 'array', items: { type: 'string' }, default: ['conv', 'fc', 'pool'] },
          ranges: { type: 'string', enum: ['paper', 'small', 'tiny'], default: 'small' },
          batches: { type: 'array', items: { type: 'integer' } },
          strategy: { type: 'string', enum: ['adaptive', 'random'], default: 'adaptive' },
          targetRmspe: { type: 'number', example: 0.1 },
          budget: { type: 'integer', example: 2000 },
          seed: { type: 'integer', default: 1 },
          poolSize: { type: 'integer', description: 'candidates in the plan (default max(200, 3 × budget))' },
          repeatShare: { type: 'number', default: 0.02 },
          randomShare: { type: 'number', default: 0.25 },
          leaseTtlMs: { type: 'integer', default: 600000 },
          refitEvery: { type: 'integer' },
          minRows: { type: 'integer', default: 8 },
        },
        ['targetRmspe', 'budget'],
      ),
      responses: {
        201: jsonResponse('the campaign'),
        400: errorResponse,
        401: errorResponse,
        404: errorResponse,
        409: errorResponse,
      },
    },
  },
  '/v1/campaigns/{id}': {
    get: {
      summary: 'One campaign: progress overall and per kind, errors, live leases',
      parameters: [id],
      responses: { 200: jsonResponse('campaign'), 404: errorResponse },
    },
  },
  '/v1/campaigns/{id}/stop': {
    post: {
      summary: 'Stop a campaign (admin token); its leased configurations are freed',
      security: bearer,
      parameters: [id],
      responses: { 200: jsonResponse('campaign'), 401: errorResponse, 404: errorResponse },
    },
  },
  '/v1/campaigns/{id}/leases': {
    post: {
      summary: 'Lease configurations to measure (agent token); retrying a requestId returns the same lease',
      security: bearer,
      parameters: [id],
      requestBody: body(
        {
          agentId: { type: 'string' },
          platform: { type: 'string' },
          max: { type: 'integer', minimum: 1, maximum: 500 },
          requestId: { type: 'string' },
        },
        ['agentId', 'platform', 'max', 'requestId'],
      ),
      responses: {
        200: jsonResponse('{campaign, state, reason, lease|null, retryAfterMs}'),
        400: errorResponse,
        401: errorResponse,
        404: errorResponse,
        409: errorResponse,
      },
    },
  },
  '/v1/campaigns/{id}/leases/{lease}/renew': {
    post: {
      summary: 'Keep a lease alive; answers which of its items the agent still holds',
      security: bearer,
      parameters: [id, lease],
      requestBody: body({ agentId: { type: 'string' } }, ['agentId']),
      responses: {
        200: jsonResponse('{lease, expiresAt, state, held}'),
        401: errorResponse,
        403: errorResponse,
        404: errorResponse,
      },
    },
  },
  '/v1/campaigns/{id}/leases/{lease}/release': {
    post: {
      summary: 'Give items of a lease back to the pool (default every item not measured)',
      security: bearer,
      parameters: [id, lease],
      requestBody: body(
        { agentId: { type: 'string' }, items: { type: 'array', items: { type: 'integer' } } },
        ['agentId'],
      ),
      responses: {
        200: jsonResponse('{lease, released}'),
        401: errorResponse,
        403: errorResponse,
        404: errorResponse,
      },
    },
  },
} as const;
