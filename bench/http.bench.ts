/**
 * `npm run bench:http`: what the HTTP API adds on top of the service calls it wraps. A real server
 * (startServer, SQLite store, demo estate, admin bearer token) runs in this process; autocannon,
 * in a worker thread so that its client work stays off the server's event loop, loads it for a fixed
 * duration with many connections, then with one; the same operations are called in-process,
 * sequentially, for comparison:
 *
 *   list      GET  /api/v1/subnets?limit=50                   vs listSubnets(context, { limit: 50 })
 *   allocate  POST /api/v1/subnets/bench-alloc/allocations {"count":1}   vs allocate(context, { subnet, count: 1 })
 *
 * Request logging stays on (one JSON line per request is formatted) but is written to a no-op sink.
 * Environment: BENCH_SECONDS (default 5) per HTTP run, BENCH_CONNECTIONS (default 32),
 * BENCH_CALLS (default 2000) in-process calls per operation after a warm-up.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startServer } from '../src/api/server.ts';
import { allocate } from '../src/ipam/allocation.ts';
import { createSubnet, listSubnets } from '../src/ipam/subnets.ts';
import { seedDemo } from '../src/services/demo.ts';
import { createToken } from '../src/services/tokens.ts';
import { makeContext, type Context } from '../src/store/context.ts';
import { openStore } from '../src/store/store.ts';
import type { LoadRequest, LoadResult } from './http-load.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const WARMUP_CALLS = Math.max(100, Math.round(CALLS / 10));
const WARMUP_SECONDS = 1;
/** A /12: about a million free addresses. A /16 (65,534) would run out after ~60 s of HTTP allocation at this server's rate, e.g. with a larger BENCH_SECONDS. */
const ALLOC_SUBNET = { name: 'bench-alloc', wire: 'dc1-trunk', cidr: '10.64.0.0/12', gateway: '10.64.0.1' };
const ALLOC_CAPACITY = 2 ** 20 - 3;

for (const [name, value] of Object.entries({ BENCH_SECONDS: SECONDS, BENCH_CONNECTIONS: CONNECTIONS, BENCH_CALLS: CALLS })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not '${process.env[name]}'`);
}

interface LatencyStats {
  p50: number;
  p99: number;
  mean: number;
}

interface HttpStats extends LatencyStats {
  connections: number;
  perSecond: number;
  non2xx: number;
  errors: number;
  statuses: string;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

function stats(samples: number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length };
}

/** Sequential in-process calls: per-call milliseconds, after an uncounted warm-up. */
async function inProcess(once: () => Promise<unknown>): Promise<LatencyStats> {
  for (let i = 0; i < WARMUP_CALLS; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const start = performance.now();
    await once();
    samples.push(performance.now() - start);
  }
  return stats(samples);
}

/** Runs autocannon tests one at a time in a worker thread (see ./http-load.ts). */
function startLoader(): { run(options: autocannon.Options): Promise<LoadResult>; stop(): Promise<number> } {
  // Worker threads do not inherit tsx's loader hooks (nor honour --import in execArgv on Node 20):
  // a small bootstrap registers them, then loads the TypeScript worker.
  const entry = new URL('./http-load.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(bootstrap, { eval: true });
  worker.unref();
  return {
    run: (options) =>
      new Promise((resolve, reject) => {
        const fail = (error: Error) => reject(error);
        worker.once('error', fail);
        worker.once('message', (result: LoadResult) => {
          worker.off('error', fail);
          resolve(result);
        });
        worker.postMessage({ options } satisfies LoadRequest);
      }),
    stop: () => worker.terminate(),
  };
}

async function overHttp(loader: ReturnType<typeof startLoader>, options: autocannon.Options, connections: number, seconds: number): Promise<HttpStats> {
  const result = await loader.run({ ...options, connections, duration: seconds, timeout: 30 });
  const statuses = Object.entries(result.statusCodeStats)
    .map(([code, { count }]) => `${code}x${count}`)
    .join(' ');
  return {
    ...stats(result.latencies.length ? Array.from(result.latencies) : [NaN]),
    connections,
    perSecond: result.ok / result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses,
  };
}

interface OperationResult {
  name: string;
  http: HttpStats[];
  local: LatencyStats;
}

async function measure(loader: ReturnType<typeof startLoader>, name: string, options: autocannon.Options, local: () => Promise<unknown>): Promise<OperationResult> {
  process.stderr.write(`[http] ${name}: ${WARMUP_CALLS} + ${CALLS} in-process calls...\n`);
  const localStats = await inProcess(local);
  process.stderr.write(`[http] ${name}: warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s at ${CONNECTIONS} connections and ${SECONDS} s at 1...\n`);
  await overHttp(loader, options, CONNECTIONS, WARMUP_SECONDS);
  const http = [await overHttp(loader, options, CONNECTIONS, SECONDS)];
  if (CONNECTIONS !== 1) http.push(await overHttp(loader, options, 1, SECONDS));
  return { name, http, local: localStats };
}

function report(results: OperationResult[], allocatedOverHttp: number): void {
  const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(3) : '-');
  const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)}x` : '-');
  const lines = [
    `HTTP API vs in-process calls (SQLite, one process; JSON request log formatted, written to a no-op sink)`,
    `HTTP: autocannon (in a worker thread of this process), ${SECONDS} s per run with c concurrent connections; in-process: ${CALLS} sequential calls after ${WARMUP_CALLS} warm-up.`,
    `Under concurrency p50 includes queueing (p50 ≈ c / throughput): the c=1 p50 ratio is the per-request overhead; the req/s ratio is the cost ratio at any c.`,
    '',
    `${'operation'.padEnd(10)}${'how'.padEnd(17)}${'req/s'.padStart(9)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'non-2xx'.padStart(9)}${'p50 / in-proc p50'.padStart(20)}${'in-proc req/s / req/s'.padStart(24)}`,
  ];
  const warnings: string[] = [];
  for (const result of results) {
    lines.push(`${result.name.padEnd(10)}${'in-process'.padEnd(17)}${(1000 / result.local.mean).toFixed(0).padStart(9)}${ms(result.local.p50).padStart(10)}${ms(result.local.p99).padStart(10)}${'-'.padStart(9)}${'1.0x'.padStart(20)}${'1.0x'.padStart(24)}`);
    for (const http of result.http) {
      const how = `HTTP c=${http.connections}`;
      lines.push(`${''.padEnd(10)}${how.padEnd(17)}${http.perSecond.toFixed(0).padStart(9)}${ms(http.p50).padStart(10)}${ms(http.p99).padStart(10)}${String(http.non2xx).padStart(9)}${ratio(http.p50 / result.local.p50).padStart(20)}${ratio(1000 / result.local.mean / http.perSecond).padStart(24)}`);
      if (http.non2xx || http.errors) warnings.push(`WARNING: ${result.name} ${how}: ${http.non2xx} non-2xx responses, ${http.errors} connection errors (status counts: ${http.statuses})`);
    }
  }
  lines.push('', `in-process req/s is 1000 / mean call time; HTTP req/s counts 2xx responses. Allocations over HTTP: ${allocatedOverHttp.toLocaleString('en')} of ${ALLOC_CAPACITY.toLocaleString('en')} in ${ALLOC_SUBNET.cidr}.`);
  if (warnings.length) lines.push('', ...warnings);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function countAllocated(context: Context): Promise<number> {
  const [subnet] = await listSubnets(context, { q: ALLOC_SUBNET.name, limit: 1 });
  return Number(subnet?.utilization.used ?? 0);
}

const dir = mkdtempSync(join(tmpdir(), 'hostwire-http-bench-'));
try {
  const store = await openStore(join(dir, 'bench.db'));
  try {
    const context = makeContext(store, 'bench');
    await seedDemo(context);
    const { token } = await createToken(context, { role: 'admin', name: 'bench' });
    await createSubnet(context, ALLOC_SUBNET);
    const server = await startServer({ store, listen: { host: '127.0.0.1', port: 0 }, log: () => {} });
    const loader = startLoader();
    try {
      const headers = { authorization: `Bearer ${token}` };
      const results = [
        await measure(loader, 'list', { url: `${server.url}/api/v1/subnets?limit=50`, headers }, () => listSubnets(context, { limit: 50 })),
        await measure(
          loader,
          'allocate',
          { url: `${server.url}/api/v1/subnets/${ALLOC_SUBNET.name}/allocations`, method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ count: 1 }) },
          () => allocate(context, { subnet: ALLOC_SUBNET.name, count: 1 }),
        ),
      ];
      const allocatedOverHttp = (await countAllocated(context)) - 1 - WARMUP_CALLS - CALLS; // the gateway, then the in-process calls
      report(results, allocatedOverHttp);
    } finally {
      await loader.stop();
      await server.close();
    }
  } finally {
    await store.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
