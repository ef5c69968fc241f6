import type { TokenInfo } from '../auth/tokens.js';
import { requireRead, requireScope } from '../http/access.js';
import type { CollectorContext } from '../http/context.js';
import type { RouteRequest } from '../http/router.js';

/** Who may call a campaign endpoint: readers list them, agents lease work, admins create and stop. */
export type CampaignAccess = 'read' | 'agent' | 'admin';

/**
 * The one place campaign routes check the bearer token. Reads need `read` (or `agent`: an agent
 * finds its platform's campaign; open with `--public-read`); leases `agent`; create/stop `admin`.
 */
export async function authorise(
  ctx: CollectorContext,
  req: RouteRequest,
  need: CampaignAccess,
): Promise<TokenInfo | null> {
  if (need === 'read') {
    await requireRead(ctx, req, 'agent');
    return null;
  }
  return requireScope(ctx, req, need);
}
