// Starting and stopping the API on node:http, bound to 127.0.0.1 unless told otherwise.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiHandler } from './api.ts';
import type { ApiOptions } from './api.ts';

export interface ApiServer {
  /** The base URL, e.g. http://127.0.0.1:8080 (the API is under /v1). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, lets requests in progress finish, then closes idle ones. */
  close(): Promise<void>;
}

export async function startApiServer(
  options: ApiOptions & { readonly host?: string; readonly port?: number },
): Promise<ApiServer> {
  const server = createServer(createApiHandler(options));
  // Longer than clients' usual idle pools, so a client rarely reuses a connection the server is
  // just closing (a reset it cannot safely retry for a POST).
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deeper accept queue than Node's 511: a burst of clients waits for the event loop instead of
    // being reset while the lifecycle keeps it busy (the kernel caps it at net.core.somaxconn).
    server.listen({ port: options.port ?? 0, host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
