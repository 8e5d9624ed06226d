/** The audit's findings over the estate as stored now, filtered like `hostwire audit`, and the estate summary built on them. */
import { createRoute } from '@hono/zod-openapi';
import { decodeCursor, isNumber, pageLimit, paginate } from '../pagination.ts';
import { audit } from '../../services/audit.ts';
import { summarizeEstate } from '../../services/summary.ts';
import * as s from '../schemas.ts';
import { contextFor, json, problems, READ_ERRORS, type Api, type Deps } from './common.ts';

export function auditRoutes(app: Api, deps: Deps): void {
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/findings', tags: ['audit'], summary: 'What the audit finds: every rule, or one host, rule or severity', request: { query: s.FindingQuery }, responses: { 200: json(s.page(s.FindingSchema, 'FindingPage'), 'Findings in rule order'), ...problems(...READ_ERRORS) } }),
    async (c) => {
      const { limit, cursor, ...filter } = c.req.valid('query');
      // The audit runs over the whole estate each time; a page is a slice of its stable order.
      const after = decodeCursor(cursor, isNumber) ?? -1;
      const findings = await audit(contextFor(deps, c, 'viewer'), filter);
      const page = await paginate(pageLimit(limit), async (rows) => findings.slice(after + 1, after + 1 + rows).map((finding, offset) => ({ finding, position: after + 1 + offset })), (entry) => entry.position);
      return c.json({ items: page.items.map((entry) => entry.finding), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/summary', tags: ['audit'], summary: 'The estate at a glance: counts of hosts, VMs, wires and subnets, findings by severity, the five fullest subnets', responses: { 200: json(s.EstateSummarySchema, 'The summary'), ...problems(401) } }),
    async (c) => c.json(await summarizeEstate(contextFor(deps, c, 'viewer')), 200),
  );
}
