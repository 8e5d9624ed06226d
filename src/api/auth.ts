/** Bearer tokens and roles: viewer < operator < admin. */
import type { Context, MiddlewareHandler } from 'hono';
import { HostwireError } from '../domain/errors.ts';
import type { ApiToken, Role } from '../domain/model.ts';
import { authenticate } from '../services/tokens.ts';
import { makeContext, type Context as ServiceContext } from '../store/context.ts';
import type { Store } from '../store/store.ts';

export type ApiEnv = { Variables: { token: ApiToken | null } };

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function bearerAuth(store: Store, now: () => Date): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new HostwireError('unauthorized', header ? 'the Authorization header must be "Bearer <token>"' : 'send "Authorization: Bearer <token>"; create a token with: hostwire token create --role viewer');
    const token = await authenticate(store, match[1]!, now());
    if (!token) throw new HostwireError('unauthorized', 'the token is unknown or revoked');
    c.set('token', token);
    await next();
  };
}

/** The service context for a request whose token has at least `role`; the token's name is the actor. */
export function authorize(c: Context<ApiEnv>, store: Store, now: () => Date, role: Role): ServiceContext {
  const token = c.get('token');
  if (!token) throw new HostwireError('unauthorized', 'no token');
  if (RANK[token.role] < RANK[role]) throw new HostwireError('forbidden', `token '${token.name}' has role ${token.role}; this needs ${role}`);
  return makeContext(store, token.name, now);
}
