import { z } from 'zod';
import { CURATION_ACTIONS, type CurationAction } from '../store/curation.js';
import { requireScope } from './access.js';
import type { CollectorContext } from './context.js';
import { HttpError, type Router, sendJson } from './router.js';

const selectionSchema = z
  .object({
    kind: z.string().min(1).max(64).optional(),
    key: z.string().min(1).max(10_000).optional(),
    agent: z.string().min(1).max(200).optional(),
    before: z.iso.datetime({ offset: true }).optional(),
    implausible: z.boolean().optional(),
    reason: z.string().max(1000).optional(),
    /** refit the kinds whose rows changed (default true) */
    refit: z.boolean().optional(),
  })
  .strict()
  .refine(
    (s) =>
      s.kind !== undefined ||
      s.key !== undefined ||
      s.agent !== undefined ||
      s.before !== undefined ||
      s.implausible === true,
    {
      message:
        'name at least one of kind, key, agent, before, implausible (a whole platform is never selected by default)',
    },
  );

/**
 * `POST /v1/platforms/:id/measurements/{exclude,include,delete}` and
 * `GET /v1/platforms/:id/measurements/audit`: an operator takes bad measurements out of fits and
 * exports (or back in, or deletes them), audited in the store, then the touched kinds are refit.
 */
export function mountMeasurementsApi(router: Router, ctx: CollectorContext): void {
  const curation = ctx.store.curation;
  const platformOr404 = async (id: string) => {
    if (!(await ctx.queries.platformExists(id)))
      throw new HttpError(404, `unknown platform ${JSON.stringify(id)}`, 'id');
    return { id };
  };

  for (const action of CURATION_ACTIONS) {
    router.post(`/v1/platforms/:id/measurements/${action}`, async (req, res) => {
      // Curation is an administrator's act; the token's name goes into the audit trail.
      const token = await requireScope(ctx, req, 'admin');
      const platform = await platformOr404(req.params['id']!);
      const parsed = selectionSchema.safeParse(await req.json());
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.map(String).join('.') || null;
        throw new HttpError(400, `${field ?? 'body'}: ${issue.message}`, field);
      }
      const body = parsed.data;
      const result = await curation.apply(
        action as CurationAction,
        {
          platformId: platform.id,
          ...(body.kind !== undefined && { kind: body.kind }),
          ...(body.key !== undefined && { key: body.key }),
          ...(body.agent !== undefined && { agentId: body.agent }),
          ...(body.before !== undefined && { before: new Date(body.before).toISOString() }),
          ...(body.implausible && { implausible: true }),
        },
        { tokenId: token.id, tokenName: token.name },
        body.reason,
      );
      const fits =
        body.refit !== false && result.rows > 0 && result.kinds.length > 0
          ? await ctx.fits.fitNow(platform.id, result.kinds)
          : [];
      sendJson(res, 200, { platform: platform.id, ...result, fits });
    });
  }

  router.get('/v1/platforms/:id/measurements/audit', async (req, res) => {
    await requireScope(ctx, req, 'admin');
    const platform = await platformOr404(req.params['id']!);
    sendJson(res, 200, { platform: platform.id, entries: await curation.audit(platform.id) });
  });
}
