/**
 * Prometheus metrics (requests and latency per route, allocations, store errors) and one JSON log
 * line per request. The log line names the route pattern, never the Authorization header or a body.
 */
import type { MiddlewareHandler } from 'hono';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ApiEnv } from './auth.ts';

export interface Observability {
  registry: Registry;
  allocations: Counter;
  storeErrors: Counter;
  middleware: MiddlewareHandler<ApiEnv>;
  log(entry: Record<string, unknown>): void;
}

export function createObservability(write: (line: string) => void): Observability {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'hostwire_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'hostwire_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const allocations = new Counter({ name: 'hostwire_allocations_total', help: 'Addresses allocated through the API', registers: [registry] });
  const storeErrors = new Counter({ name: 'hostwire_store_errors_total', help: 'Requests that failed with an unexpected (store or internal) error', registers: [registry] });
  const log = (entry: Record<string, unknown>) => write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

  const middleware: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const start = process.hrtime.bigint();
    await next();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // The route pattern, not the path: /api/v1/subnets/:name keeps the label set small.
    const route = c.req.routePath && c.req.routePath !== '/*' ? c.req.routePath : 'unmatched';
    requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    latency.observe({ method: c.req.method, route }, seconds);
    log({ level: c.res.status >= 500 ? 'error' : 'info', method: c.req.method, route, path: c.req.path, status: c.res.status, durationMs: Math.round(seconds * 1e6) / 1e3, actor: c.get('token')?.name ?? null });
  };
  return { registry, allocations, storeErrors, middleware, log };
}
