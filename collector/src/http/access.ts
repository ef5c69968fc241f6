import { allows, type Scope } from '../auth/scopes.js';
import { bearerToken, type TokenInfo, type TokenStore } from '../auth/tokens.js';
import { HttpError, type RouteRequest } from './router.js';

/** What a route needs to authorise a request: the token store and whether reads are open. */
export interface AccessDeps {
  readonly tokens: TokenStore;
  /** `--public-read`: queries, export and predictions need no token (a laptop, a trusted network) */
  readonly publicRead: boolean;
}

/**
 * The token of `req` if it carries `scope`: 401 without a valid token, 403 with a token that lacks
 * the scope. Every route that reads or changes data calls this (or `requireRead`) first; routes in
 * other modules (measurement exclude/delete) use `requireScope(ctx, req, 'admin')`.
 */
export async function requireScope(
  deps: Pick<AccessDeps, 'tokens'>,
  req: RouteRequest,
  scope: Scope,
): Promise<TokenInfo> {
  const secret = bearerToken(req.raw.headers.authorization);
  if (secret === null)
    throw new HttpError(401, `missing Authorization: Bearer <token> (needs scope ${scope})`);
  let token: TokenInfo | null;
  try {
    token = await deps.tokens.verify(secret);
  } catch (err) {
    throw new HttpError(503, `cannot check the token: ${(err as Error).message}`);
  }
  if (token === null) throw new HttpError(401, 'invalid or revoked token');
  if (!allows(token.scopes, scope)) {
    throw new HttpError(
      403,
      `token "${token.name}" has scope ${token.scopes.join(',')}; this needs ${scope}${scope === 'read' ? ' (or admin)' : ''}`,
    );
  }
  return token;
}

/** A read: open with `--public-read`, else a token with `read` (or `admin`; `also` adds e.g. `agent`). */
export async function requireRead(deps: AccessDeps, req: RouteRequest, also?: Scope): Promise<void> {
  if (deps.publicRead) return;
  if (also !== undefined) {
    const secret = bearerToken(req.raw.headers.authorization);
    const token = secret === null ? null : await safeVerify(deps.tokens, secret);
    if (token !== null && allows(token.scopes, also)) return;
  }
  await requireScope(deps, req, 'read');
}

async function safeVerify(tokens: TokenStore, secret: string): Promise<TokenInfo | null> {
  try {
    return await tokens.verify(secret);
  } catch {
    return null;
  }
}
