/**
 * The HTTP API: every route declared with @hono/zod-openapi, so that request validation and the
 * OpenAPI 3.1 document at /openapi.json come from the same schemas. Errors are RFC 9457 problems.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Store } from '../store/store.ts';
import { bearerAuth, type ApiEnv } from './auth.ts';
import type { Observability } from './observability.ts';
import { problemFromError, problemResponse, zodFieldErrors } from './problem.ts';
import { addressingRoutes } from './routes/addressing.ts';
import { auditRoutes } from './routes/audit.ts';
import { adminRoutes } from './routes/admin.ts';
import { inventoryRoutes } from './routes/inventory.ts';
import { pxeRoutes } from './routes/pxe.ts';
import { hostNetworkRoutes } from './routes/host-network.ts';
import { simRoutes } from './routes/sim.ts';
import { syncRoutes } from './routes/sync.ts';
import { webUiRoutes, type WebUi } from './web-ui.ts';
import { VsphereError } from '../connectors/vsphere/errors.ts';

export interface AppOptions {
  store: Store;
  observability: Observability;
  now?: () => Date;
  version?: string;
  /** The web UI's files, served at /; null or absent: / answers how to build them. */
  webUi?: WebUi | null;
}

/** Request bodies above this are refused with 413: no declaration here comes near it. */
const MAX_BODY_BYTES = 1024 * 1024;

export function createApp(options: AppOptions): OpenAPIHono<ApiEnv> {
  const { store, observability } = options;
  const now = options.now ?? (() => new Date());
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const fields = zodFieldErrors(result.error, result.target === 'json' ? undefined : result.target);
        return problemResponse(c, 400, `the request is invalid: ${fields.map((field) => `${field.path}: ${field.message}`).join('; ')}`, fields);
      }
    },
  });

  app.use('*', async (c, next) => {
    c.set('token', null);
    await next();
  });
  app.use('*', observability.middleware);
  app.onError((error, c) =>
    // vCenter's failures are the upstream's, not the client's: a 502 that says what went wrong.
    error instanceof VsphereError
      ? problemResponse(c, 502, `vCenter: ${error.message}`)
      : problemFromError(c, error, (internal) => {
          observability.storeErrors.inc();
          observability.log({ level: 'error', route: c.req.routePath, path: c.req.path, error: internal instanceof Error ? internal.message : String(internal) });
        }),
  );
  // Every declared route, filled in once they are registered: a known path asked with another method is a 405.
  const routes: { method: string; path: RegExp; bodyRequired: boolean }[] = [];
  app.notFound((c) => {
    const allowed = [...new Set(routes.filter((route) => route.path.test(c.req.path)).map((route) => route.method))];
    if (allowed.length) {
      c.header('allow', allowed.join(', '));
      return problemResponse(c, 405, `${c.req.path} takes ${allowed.join(', ')}, not ${c.req.method}`);
    }
    return problemResponse(c, 404, `no route ${c.req.method} ${c.req.path}; the API is described at /openapi.json`);
  });

  app.get('/healthz', async (c) => {
    await store.read((conn) => conn.db.selectFrom('ip_spaces').select('id').limit(1).execute());
    return c.json({ status: 'ok' });
  });

  // A declared Content-Length is checked from the header alone, leaving the body untouched: hono's
  // bodyLimit reads c.req.raw.body, which on @hono/node-server wraps the socket in a web stream, and
  // a request refused before its body is read (401, 404, 413, 415) then stalls the client's upload
  // until the socket is torn down: fetch loses the response ("other side closed") about half the
  // time. Only a chunked body, whose size is unknown up front, goes through bodyLimit, and when it
  // is too large the connection is closed rather than left with unread bytes in it.
  const tooLarge = (c: Context) => problemResponse(c, 413, `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
  const limitChunked = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => {
      c.header('connection', 'close');
      return tooLarge(c);
    },
  });
  app.use('/api/*', async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) return Number(length) > MAX_BODY_BYTES ? tooLarge(c) : next();
    return limitChunked(c, next);
  });
  app.use('/api/*', bearerAuth(store, now));
  // A route that takes a JSON body validates a request without one as {}: a bare POST to
  // /allocations would allocate an address. Such requests are refused; `{}` asks for the defaults.
  app.use('/api/*', async (c, next) => {
    if (c.req.header('content-type') === undefined && routes.some((route) => route.bodyRequired && route.method === c.req.method && route.path.test(c.req.path))) {
      return problemResponse(c, 400, 'the request has no body: send it as application/json ({} for the defaults)', [{ path: '(body)', message: 'required' }]);
    }
    return next();
  });
  app.use('/openapi.json', bearerAuth(store, now));
  app.use('/metrics', bearerAuth(store, now));

  const deps = { store, now, observability };
  addressingRoutes(app, deps);
  inventoryRoutes(app, deps);
  hostNetworkRoutes(app, deps);
  simRoutes(app, deps);
  auditRoutes(app, deps);
  syncRoutes(app, deps);
  pxeRoutes(app, deps);
  adminRoutes(app, deps);
  webUiRoutes(app, options.webUi ?? null);
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route') continue;
    const pattern = definition.route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    routes.push({ method: definition.route.method.toUpperCase(), path: new RegExp(`^${pattern}$`), bodyRequired: definition.route.request?.body?.required === true });
  }

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'hostwire', version: options.version ?? '0', description: 'Wires, subnets, IPAM and inventory for virtualization hosts. Authenticate with Authorization: Bearer <token>.' },
    security: [{ bearer: [] }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  app.get('/metrics', async (c) => c.body(await observability.registry.metrics(), 200, { 'content-type': observability.registry.contentType }));
  return app;
}
