/** Runs the API on a listening socket and stops it gracefully: in-flight requests finish first. */
import { serve, type ServerType } from '@hono/node-server';
import { STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { invalid } from '../domain/errors.ts';
import type { Store } from '../store/store.ts';
import { createApp } from './app.ts';
import { createObservability } from './observability.ts';
import { defaultWebRoot, loadWebUi } from './web-ui.ts';

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

/** `webRoot`: the built web UI to serve at / (default: the package's web/dist). */
export async function startServer(options: { store: Store; listen: Listen; log: (line: string) => void; version?: string; webRoot?: string }): Promise<RunningServer> {
  const observability = createObservability(options.log);
  const app = createApp({ store: options.store, observability, version: options.version, webUi: loadWebUi(options.webRoot ?? defaultWebRoot()) });
  const server: ServerType = await new Promise((resolve, reject) => {
    const created = serve({ fetch: app.fetch, hostname: options.listen.host, port: options.listen.port }, () => resolve(created));
    created.once('error', reject);
  });
  // Requests Node's HTTP parser refuses never reach the app (a method it does not know, a malformed
  // request line, headers over its size limit): answer them with a problem too, with the status Node
  // would send, instead of its bare status line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket & { _httpMessage?: { headersSent: boolean } | null }) => {
    // As Node does: no answer when a response on this connection has begun, which it would corrupt.
    if (!socket.writable || socket._httpMessage?.headersSent) return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const detail = status === 431 ? 'the request headers are too large' : status === 408 ? 'the request took too long to arrive' : `the request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`;
    const body = JSON.stringify({ type: `https://hostwire.dev/problems/${status}`, title: STATUS_CODES[status], status, detail });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`, () => socket.destroy());
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
