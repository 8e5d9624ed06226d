/** vCenter accounts, syncs, and wire merges. */
import { createRoute, z } from '@hono/zod-openapi';
import { runSync } from '../../reconcile/sync.ts';
import { SyncRuns } from '../../reconcile/sync-runs.ts';
import { mergeWires, suggestMerges } from '../../reconcile/wires.ts';
import { addAccount, listAccounts, removeAccount, showAccount, showSync } from '../../services/accounts.ts';
import { ProblemSchema } from '../problem.ts';
import * as s from '../schemas.ts';
import { body, contextFor, json, problems, READ_ERRORS, WRITE_ERRORS, type Api, type Deps } from './common.ts';

export function syncRoutes(app: Api, deps: Deps): void {
  // Progress of the syncs this server started in the background, by sync id.
  const runs = new SyncRuns();
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/accounts', tags: ['sync'], summary: 'vCenter accounts with their last sync (never a password)', responses: { 200: json(z.object({ items: z.array(s.AccountSchema) }), 'Accounts'), ...problems(401) } }),
    async (c) => c.json({ items: await listAccounts(contextFor(deps, c, 'viewer')) }, 200),
  );
  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/accounts', tags: ['sync'], summary: 'Add a vCenter account; the password is stored encrypted', request: body(s.AccountCreateSchema), responses: { 201: json(s.AccountSchema, 'The account'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await addAccount(contextFor(deps, c, 'admin'), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/accounts/{name}', tags: ['sync'], summary: 'One account with its last sync', request: { params: s.NameParam }, responses: { 200: json(s.AccountSchema, 'The account'), ...problems(...READ_ERRORS) } }),
    async (c) => c.json(await showAccount(contextFor(deps, c, 'viewer'), c.req.valid('param').name), 200),
  );
  app.openapi(
    createRoute({ method: 'delete', path: '/api/v1/accounts/{name}', tags: ['sync'], summary: 'Remove an account (what it synced stays)', request: { params: s.NameParam }, responses: { 200: json(s.AccountSchema, 'The removed account'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await removeAccount(contextFor(deps, c, 'admin'), c.req.valid('param').name), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/accounts/{name}/sync',
      tags: ['sync'],
      summary: 'Sync an account now; 502 when vCenter cannot be read (nothing is written then)',
      request: { params: s.NameParam },
      responses: { 200: json(s.SyncSummarySchema, 'What the sync created, updated and removed'), 502: { description: 'vCenter refused, failed or timed out', content: { 'application/problem+json': { schema: ProblemSchema } } }, ...problems(...WRITE_ERRORS) },
    }),
    async (c) => c.json(await runSync(contextFor(deps, c, 'operator'), c.req.valid('param').name), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/accounts/{name}/syncs',
      tags: ['sync'],
      summary: 'Start a sync of an account in the background; follow it at /api/v1/syncs/{id}. 409 while one started here runs',
      request: { params: s.NameParam },
      responses: { 202: json(s.SyncStartedSchema, 'The sync is recorded and running'), ...problems(...WRITE_ERRORS) },
    }),
    async (c) => c.json({ syncId: await runs.start(contextFor(deps, c, 'operator'), c.req.valid('param').name) }, 202),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/syncs/{id}',
      tags: ['sync'],
      summary: 'One sync: its status, its progress while it runs (when this server runs it), then its summary or error',
      request: { params: s.SyncIdParam },
      responses: { 200: json(s.SyncRunSchema, 'The sync'), ...problems(...READ_ERRORS) },
    }),
    async (c) => {
      const id = Number(c.req.valid('param').id);
      const sync = await showSync(contextFor(deps, c, 'viewer'), id);
      const status = (['running', 'succeeded', 'partial', 'failed'] as const).find((known) => known === sync.status) ?? 'failed';
      return c.json({ ...sync, status, progress: runs.progressOf(id), summary: (sync.summary ?? null) as z.infer<typeof s.SyncSummarySchema> | null, error: sync.error }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/wire-merge-suggestions', tags: ['wires'], summary: 'Auto-created wires that evidence says are one L2 domain with another', responses: { 200: json(z.object({ items: z.array(s.MergeSuggestionSchema) }), 'Suggestions with evidence'), ...problems(401) } }),
    async (c) => c.json({ items: await suggestMerges(contextFor(deps, c, 'viewer')) }, 200),
  );
  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/wires/{name}/merge', tags: ['wires'], summary: 'Merge the source wires into this one (subnets and switch mappings move)', request: { params: s.NameParam, ...body(s.MergeSchema) }, responses: { 200: json(s.MergeResultSchema, 'What moved'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await mergeWires(contextFor(deps, c, 'admin'), c.req.valid('json').sources, c.req.valid('param').name), 200),
  );
}
