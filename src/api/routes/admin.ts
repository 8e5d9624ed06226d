/** The change log and API tokens. */
import { createRoute, z } from '@hono/zod-openapi';
import { listChanges } from '../../services/changes.ts';
import { createToken, listTokens, revokeToken } from '../../services/tokens.ts';
import { decodeCursor, isNumber, pageLimit, paginate } from '../pagination.ts';
import * as s from '../schemas.ts';
import { body, contextFor, json, problems, READ_ERRORS, WRITE_ERRORS, type Api, type Deps } from './common.ts';

export function adminRoutes(app: Api, deps: Deps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/changes',
      tags: ['changes'],
      summary: 'The change log, newest first, by object and time',
      request: { query: s.ChangeQuery },
      responses: { 200: json(s.page(s.ChangeSchema, 'ChangePage'), 'Change entries'), ...problems(...READ_ERRORS) },
    }),
    async (c) => {
      const context = contextFor(deps, c, 'viewer');
      const query = c.req.valid('query');
      const before = decodeCursor(query.cursor, isNumber);
      return c.json(
        await paginate(pageLimit(query.limit), (rows) => listChanges(context, { objectKind: query.kind, objectName: query.object, since: query.since, until: query.until, limit: rows, before }), (change) => change.id),
        200,
      );
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/session', tags: ['tokens'], summary: "The calling token's name and role (the web UI offers only what the role may do)", responses: { 200: json(s.SessionSchema, 'Who is calling'), ...problems(401) } }),
    async (c) => {
      contextFor(deps, c, 'viewer');
      const { name, role } = c.get('token')!;
      return c.json({ name, role }, 200);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/tokens', tags: ['tokens'], summary: 'List tokens (never their secrets)', responses: { 200: json(z.object({ items: z.array(s.TokenSchema) }), 'Tokens'), ...problems(401, 403) } }),
    async (c) => c.json({ items: await listTokens(contextFor(deps, c, 'admin')) }, 200),
  );
  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/tokens', tags: ['tokens'], summary: 'Create a token; its secret is returned once', request: body(s.TokenCreateSchema), responses: { 201: json(s.CreatedTokenSchema, 'The token with its secret'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await createToken(contextFor(deps, c, 'admin'), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({ method: 'delete', path: '/api/v1/tokens/{name}', tags: ['tokens'], summary: 'Revoke a token', request: { params: s.NameParam }, responses: { 200: json(s.TokenSchema, 'The revoked token'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await revokeToken(contextFor(deps, c, 'admin'), c.req.valid('param').name), 200),
  );
}
