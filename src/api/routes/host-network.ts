/** A host's network rendered for its platform, imported from config files or live facts, and compared. */
import { createRoute } from '@hono/zod-openapi';
import { findImporter } from '../../connectors/importers.ts';
import { RENDERERS } from '../../render/index.ts';
import { diffHost, importHost, renderHost } from '../../services/host-network.ts';
import * as s from '../schemas.ts';
import { body, contextFor, json, problems, READ_ERRORS, WRITE_ERRORS, type Api, type Deps } from './common.ts';

export function hostNetworkRoutes(app: Api, deps: Deps): void {
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/render-formats', tags: ['hosts'], summary: 'Every render format and the platforms it renders for', responses: { 200: json(s.RenderFormatsSchema, 'Formats by name'), ...problems(401) } }),
    async (c) => {
      contextFor(deps, c, 'viewer');
      return c.json({ items: Object.entries(RENDERERS).map(([format, entry]) => ({ format, platforms: entry.platforms })) }, 200);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/hosts/{name}/render', tags: ['hosts'], summary: "A host's network configuration in one format", request: { params: s.NameParam, query: s.RenderQuery }, responses: { 200: json(s.RenderedSchema, 'The files, by the path the platform reads them from'), ...problems(...READ_ERRORS) } }),
    async (c) => {
      const { format, files } = await renderHost(contextFor(deps, c, 'viewer'), c.req.valid('param').name, c.req.valid('query').format);
      return c.json({ format, files: files.map((file) => ({ path: file.path, content: file.content, mode: file.mode ?? 0o644 })) }, 200);
    },
  );
  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/hosts/{name}/imports', tags: ['hosts'], summary: "Import a host's config files (as its declaration) or live facts", request: { params: s.NameParam, ...body(s.HostImportSchema) }, responses: { 200: json(s.HostImportResultSchema, 'What was imported'), ...problems(...WRITE_ERRORS) } }),
    async (c) => {
      const request = c.req.valid('json');
      // Replacing a declaration is an admin's act, as PUT interfaces is; recording facts is an operator's.
      const as = request.as ?? (findImporter(request.format).kind === 'facts' ? 'facts' : 'declaration');
      const context = contextFor(deps, c, as === 'facts' ? 'operator' : 'admin');
      return c.json(await importHost(context, { ...request, as, host: c.req.valid('param').name, source: 'api' }), 200);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/hosts/{name}/diff', tags: ['hosts'], summary: "The declaration against the host's last imported facts", request: { params: s.NameParam }, responses: { 200: json(s.HostDiffSchema, 'Each difference; facts is null when none were imported'), ...problems(...READ_ERRORS) } }),
    async (c) => c.json(await diffHost(contextFor(deps, c, 'viewer'), c.req.valid('param').name), 200),
  );
}
