/** The audit's findings over the estate as stored now, filtered like `hostwire audit`. */
import { createRoute, z } from '@hono/zod-openapi';
import { audit } from '../../services/audit.ts';
import * as s from '../schemas.ts';
import { contextFor, json, problems, READ_ERRORS, type Api, type Deps } from './common.ts';

export function auditRoutes(app: Api, deps: Deps): void {
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/findings', tags: ['audit'], summary: 'What the audit finds: every rule, or one host, rule or severity', request: { query: s.FindingQuery }, responses: { 200: json(z.object({ items: z.array(s.FindingSchema) }), 'Findings in rule order'), ...problems(...READ_ERRORS) } }),
    async (c) => c.json({ items: await audit(contextFor(deps, c, 'viewer'), c.req.valid('query')) }, 200),
  );
}
