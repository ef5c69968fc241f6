import { bearerToken, type TokenInfo } from '../auth/tokens.js';
import type { CollectorContext } from '../http/context.js';
import { HttpError, type RouteRequest } from '../http/router.js';

/** Who may call a campaign endpoint: agents lease work; admins create and stop campaigns. */
export type CampaignAccess = 'agent' | 'admin';

/**
 * The one place campaign routes check the bearer token. Tokens have no scopes yet: any valid token
 * passes; a scope check (`agent` for leases, `admin` for create/stop) belongs here.
 */
export function authorise(ctx: CollectorContext, req: RouteRequest, _need: CampaignAccess): TokenInfo {
  const secret = bearerToken(req.raw.headers.authorization);
  const token = secret === null ? null : ctx.tokens.verify(secret);
  if (token === null) {
    throw new HttpError(
      401,
      secret === null ? 'missing Authorization: Bearer <token>' : 'invalid or revoked token',
    );
  }
  return token;
}
