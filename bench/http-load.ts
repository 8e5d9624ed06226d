/**
 * The load generator of bench/http.bench.ts, run in a worker thread so that autocannon's client
 * work does not share the server's event loop. Each message runs one autocannon test and answers
 * with its counts and the latency of every 2xx response in float milliseconds (autocannon's own
 * histogram keeps whole milliseconds, too coarse for sub-millisecond requests).
 */
import autocannon from 'autocannon';
import { parentPort } from 'node:worker_threads';

export interface LoadRequest {
  options: autocannon.Options;
}

export interface LoadResult {
  /** Seconds. */
  duration: number;
  ok: number;
  non2xx: number;
  errors: number;
  statusCodeStats: Record<string, { count: number }>;
  /** Milliseconds, one per 2xx response. */
  latencies: Float64Array;
}

parentPort?.on('message', async ({ options }: LoadRequest) => {
  const latencies: number[] = [];
  const instance = autocannon(options);
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  const answer: LoadResult = {
    duration: result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodeStats: result.statusCodeStats,
    latencies: Float64Array.from(latencies),
  };
  parentPort!.postMessage(answer, [answer.latencies.buffer as ArrayBuffer]);
});
