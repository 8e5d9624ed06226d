/** Runs the API on a listening socket and stops it gracefully: in-flight requests finish first. */
import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalid } from '../domain/errors.ts';
import type { Store } from '../store/store.ts';
import { createApp } from './app.ts';
import { createObservability } from './observability.ts';

export interface Listen {
  host: string;
  port: number;
}

/** Parses `HOST:PORT` or `[IPV6]:PORT`. */
export function parseListen(text: string): Listen {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw invalid('listen', `'${text}' is not HOST:PORT; e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080`);
  return { host: match[1] ?? match[2]!, port };
}

export interface RunningServer {
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

export async function startServer(options: { store: Store; listen: Listen; log: (line: string) => void; version?: string }): Promise<RunningServer> {
  const observability = createObservability(options.log);
  const app = createApp({ store: options.store, observability, version: options.version });
  const server: ServerType = await new Promise((resolve, reject) => {
    const created = serve({ fetch: app.fetch, hostname: options.listen.host, port: options.listen.port }, () => resolve(created));
    created.once('error', reject);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections with no request in flight would hold close() open.
        (server as Server).closeIdleConnections?.();
      }),
  };
}
