import type { ServerResponse } from 'node:http';
import { MODEL_KINDS } from '@neuralpower/core';
import { z } from 'zod';
import { checkNetworkBodySize, NetworkSizeError } from '../predict/network-input.js';
import { TARGETS } from '../store/models.js';
import { requireRead, requireScope } from './access.js';
import type { CollectorContext } from './context.js';
import { csvHeader, csvRow } from './csv.js';
import { openApiDocument } from './openapi.js';
import { HttpError, type RouteRequest, type Router, sendJson, sendText } from './router.js';

const rollbackSchema = z.object({
  kind: z.enum(MODEL_KINDS as [string, ...string[]]),
  target: z.enum(TARGETS as [string, ...string[]]),
  to: z.number().int().positive().optional(),
});
const fitSchema = z
  .object({
    kinds: z
      .array(z.enum(MODEL_KINDS as [string, ...string[]]))
      .min(1)
      .optional(),
  })
  .optional();

function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join('.') || null;
  throw new HttpError(400, `${field ?? 'body'}: ${issue.message}`, field);
}

/** A JSON answer bounded by `--max-response-mb`: a query that would produce more is refused. */
function sendBounded(ctx: CollectorContext, res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  const bytes = Buffer.byteLength(text);
  if (bytes > ctx.limits.maxResponseBytes) {
    throw new HttpError(
      413,
      `the answer would be ${bytes} bytes, over the response limit of ${ctx.limits.maxResponseBytes} (--max-response-mb)`,
    );
  }
  sendText(res, 200, 'application/json; charset=utf-8', text);
}

async function platformOr404(ctx: CollectorContext, id: string) {
  const p = await ctx.queries.platform(id);
  if (!p) throw new HttpError(404, `unknown platform ${JSON.stringify(id)}`, 'id');
  return p;
}

function isoQuery(req: RouteRequest, name: string): string | undefined {
  const v = req.query.get(name);
  if (v === null || v === '') return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new HttpError(
      400,
      `${name} must be an ISO 8601 date or date-time (got ${JSON.stringify(v)})`,
      name,
    );
  return new Date(t).toISOString();
}

/** The JSON API under /v1 plus /healthz and /metrics. */
export function mountApi(router: Router, ctx: CollectorContext): void {
  // Liveness and metrics stay open (probes, Prometheus): counts and states, no measurement data.
  router.get('/healthz', async (_req, res) => {
    const store = await ctx.store.health();
    const measurements = await safeCount(ctx);
    const integrity = ctx.integrity.state;
    const status = integrity.status === 'corrupt' ? 'corrupt' : store.ok ? 'ok' : 'unavailable';
    sendJson(res, status === 'ok' ? 200 : 503, {
      status,
      // which store and whether the database answered just now
      store,
      uptimeS: Math.round((Date.now() - ctx.startedAt.getTime()) / 1000),
      measurements,
      agentsConnected: ctx.agents.connected,
      fits: ctx.fits.status(),
      integrity,
      publicRead: ctx.publicRead,
    });
  });

  router.get('/metrics', async (_req, res) => {
    sendText(res, 200, ctx.metrics.registry.contentType, await ctx.metrics.registry.metrics());
  });

  router.get('/v1/openapi.json', (_req, res) => sendJson(res, 200, openApiDocument));

  router.get('/v1/platforms', async (req, res) => {
    await requireRead(ctx, req);
    sendBounded(ctx, res, { platforms: await ctx.queries.platforms() });
  });

  router.get('/v1/platforms/:id', async (req, res) => {
    await requireRead(ctx, req);
    const platform = await platformOr404(ctx, req.params['id']!);
    sendJson(res, 200, { ...platform, models: await ctx.models.currentPointers(platform.id) });
  });

  // Agents read the keys of their platform to skip what was measured: `agent` tokens may too.
  router.get('/v1/platforms/:id/keys', async (req, res) => {
    await requireRead(ctx, req, 'agent');
    const platform = await platformOr404(ctx, req.params['id']!);
    sendBounded(ctx, res, { platform: platform.id, keys: await ctx.queries.keys(platform.id) });
  });

  router.get('/v1/platforms/:id/models', async (req, res) => {
    await requireRead(ctx, req);
    const platform = await platformOr404(ctx, req.params['id']!);
    sendBounded(ctx, res, {
      platform: platform.id,
      current: await ctx.models.currentPointers(platform.id),
      versions: await ctx.models.list(platform.id),
    });
  });

  router.get('/v1/platforms/:id/models/:version', async (req, res) => {
    await requireRead(ctx, req);
    const platform = await platformOr404(ctx, req.params['id']!);
    const version = Number(req.params['version']);
    if (!Number.isInteger(version) || version <= 0) {
      throw new HttpError(
        400,
        `version must be a positive integer (got ${JSON.stringify(req.params['version'])})`,
        'version',
      );
    }
    const v = await ctx.models.get(platform.id, version);
    if (!v) throw new HttpError(404, `platform ${platform.id} has no model version ${version}`, 'version');
    if (req.query.get('download') !== null) {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-disposition': attachment(`${platform.id}-v${version}-${v.kind}-${v.target}.json`),
      });
      res.end(v.modelJson);
      return;
    }
    const { modelJson, ...meta } = v;
    sendJson(res, 200, { ...meta, model: JSON.parse(modelJson) });
  });

  router.post('/v1/platforms/:id/models/rollback', async (req, res) => {
    await requireScope(ctx, req, 'admin');
    const platform = await platformOr404(ctx, req.params['id']!);
    const body = parseBody(rollbackSchema, await req.json());
    try {
      const move = await ctx.models.rollback(
        platform.id,
        body.kind,
        body.target as 'runtime' | 'power',
        body.to,
      );
      sendJson(res, 200, { platform: platform.id, ...move });
    } catch (err) {
      throw new HttpError(409, (err as Error).message, body.to === undefined ? 'kind' : 'to');
    }
  });

  router.post('/v1/platforms/:id/fit', async (req, res) => {
    await requireScope(ctx, req, 'admin');
    const platform = await platformOr404(ctx, req.params['id']!);
    const buf = await req.body();
    const body = parseBody(fitSchema, buf.length === 0 ? undefined : await req.json());
    const outcomes = await ctx.fits.fitNow(platform.id, body?.kinds);
    sendJson(res, 200, { platform: platform.id, fits: outcomes });
  });

  router.get('/v1/platforms/:id/validation', async (req, res) => {
    await requireRead(ctx, req);
    const platform = await platformOr404(ctx, req.params['id']!);
    sendBounded(ctx, res, {
      platform: platform.id,
      networks: await ctx.predict.validate(platform.id, await ctx.queries.networkRecords(platform.id)),
    });
  });

  router.post('/v1/predict', async (req, res) => {
    await requireRead(ctx, req);
    const stop = ctx.metrics.predictSeconds.startTimer();
    try {
      try {
        checkNetworkBodySize(await req.body(), ctx.limits.maxPredictNodes);
      } catch (err) {
        if (err instanceof NetworkSizeError) throw new HttpError(413, `network: ${err.message}`, 'network');
        throw err;
      }
      sendText(res, 200, 'application/json; charset=utf-8', await ctx.predict.predictJson(await req.json()));
    } finally {
      stop();
    }
  });

  router.get('/v1/measurements.csv', async (req, res) => {
    await requireRead(ctx, req);
    const filter = {
      ...(req.query.get('platform') && { platformId: req.query.get('platform')! }),
      ...(req.query.get('kind') && { kind: req.query.get('kind')! }),
      ...(isoQuery(req, 'from') && { from: isoQuery(req, 'from')! }),
      ...(isoQuery(req, 'to') && { to: isoQuery(req, 'to')! }),
    };
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': attachment(`neuralpower-${filter.platformId ?? 'all'}.csv`),
    });
    res.write(csvHeader());
    let after = 0;
    // Pages of rows; waits for the client to drain between pages, so a slow reader costs memory
    // of one page, and never holds the database (ingest keeps going between pages).
    for (;;) {
      const page = await ctx.queries.exportPage(filter, after, 2000);
      if (page.length === 0) break;
      const ok = res.write(page.map(csvRow).join(''));
      after = page[page.length - 1]!.id;
      if (!ok) await new Promise((resolve) => res.once('drain', resolve));
      if (res.destroyed) return;
    }
    res.end();
  });
}

/**
 * `Content-Disposition: attachment` for a name built from client input (`?platform=`): only
 * [A-Za-z0-9._-] survive, so no quote, semicolon or line break can add a second filename or header.
 */
export function attachment(filename: string): string {
  const safe = filename.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
  return `attachment; filename="${safe}"`;
}

/** /healthz must answer even when the measurements table is unreadable (a corrupt page). */
async function safeCount(ctx: CollectorContext): Promise<number | null> {
  try {
    return await ctx.queries.totalMeasurements();
  } catch (err) {
    ctx.integrity.observe(err);
    return null;
  }
}
