// A node:http server on 127.0.0.1 that answers from a queue of scripted responses and records
// every request, the common core of the provider fakes. Each fake decides (auth, routing, request
// shape) before it takes the next scripted response, as the real service would.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { constants as h2, createServer as createH2cServer } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse, Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';

export type Scripted =
  /** A JSON body (serialized here) with the given status, 200 by default. */
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  /** Any body as given, e.g. malformed JSON or HTML from a proxy. */
  | { kind: 'raw'; status?: number; body: string; headers?: Record<string, string>; delayMs?: number }
  /** Announces the whole body's length, sends only the first `sendBytes` bytes, then drops the connection. */
  | { kind: 'cut'; status?: number; body: string; sendBytes: number; headers?: Record<string, string> }
  /** Never answers; the client has to give up (used for timeouts). */
  | { kind: 'hang' };

export interface RecordedRequest {
  readonly method: string;
  /** Path and query exactly as sent (still percent-encoded). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly rawBody: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
  /** Set when the fake turned the request away before the script (auth, route, shape). */
  rejected?: string;
}

/** What a fake's gatekeeper returns to answer a request itself instead of using the script. */
export interface Rejection {
  readonly reason: string;
  readonly response: Scripted;
}

export type Gatekeeper = (request: RecordedRequest) => Rejection | undefined | Promise<Rejection | undefined>;

const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

type AnyRequest = IncomingMessage | Http2ServerRequest;

/** What `respond` needs from an HTTP/1.1 or HTTP/2 response. */
interface Reply {
  readonly gone: () => boolean;
  head(status: number, headers: Record<string, string>): void;
  write(chunk: Buffer, then: () => void): void;
  end(chunk?: Buffer): void;
  /** Breaks the exchange off mid-body. */
  abort(): void;
}

function http1Reply(res: ServerResponse): Reply {
  res.on('error', () => {});
  return {
    gone: () => res.destroyed,
    head: (status, headers) => void res.writeHead(status, headers),
    write: (chunk, then) => void res.write(chunk, then),
    end: (chunk) => void (chunk === undefined ? res.end() : res.end(chunk)),
    abort: () => void res.destroy(),
  };
}

function http2Reply(res: Http2ServerResponse): Reply {
  res.on('error', () => {});
  return {
    gone: () => res.stream.destroyed,
    head: (status, headers) => void res.writeHead(status, headers),
    write: (chunk, then) => void res.write(chunk, then),
    end: (chunk) => void (chunk === undefined ? res.end() : res.end(chunk)),
    abort: () => res.stream.close(h2.NGHTTP2_INTERNAL_ERROR),
  };
}

export interface ScriptedServerOptions {
  /**
   * `h2c` serves HTTP/2 without TLS (prior knowledge), which is what an AWS SDK client whose
   * default handler is HTTP/2 (Bedrock Runtime) speaks to an http:// endpoint.
   */
  readonly protocol?: 'http1' | 'h2c';
}

export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: Scripted[] = [];
  private readonly server: Server | ReturnType<typeof createH2cServer>;
  private readonly sessions = new Set<Http2Session>();
  private readonly gatekeeper: Gatekeeper;
  private readonly onUnscripted: Scripted | ((request: RecordedRequest) => Scripted);
  private port = 0;

  /**
   * `onUnscripted` answers when the queue is empty: one fixed response, or one made from the
   * request (a fake that answers from state of its own rather than from a script).
   */
  constructor(
    gatekeeper: Gatekeeper,
    onUnscripted: Scripted | ((request: RecordedRequest) => Scripted),
    options: ScriptedServerOptions = {},
  ) {
    this.gatekeeper = gatekeeper;
    this.onUnscripted = onUnscripted;
    if (options.protocol === 'h2c') {
      const server = createH2cServer((req, res) => void this.handle(req, http2Reply(res)));
      server.on('session', (session) => {
        this.sessions.add(session);
        session.on('close', () => this.sessions.delete(session));
      });
      this.server = server;
    } else {
      this.server = createServer((req, res) => void this.handle(req, http1Reply(res)));
    }
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  enqueue(...responses: Scripted[]): this {
    this.queue.push(...responses);
    return this;
  }

  /** Scripted responses not used yet. */
  get pending(): number {
    return this.queue.length;
  }

  /** Requests that reached the script (not turned away by the gatekeeper). */
  get accepted(): RecordedRequest[] {
    return this.requests.filter((r) => r.rejected === undefined);
  }

  async close(): Promise<void> {
    if ('closeAllConnections' in this.server) this.server.closeAllConnections();
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: AnyRequest, res: Reply): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BYTES) {
        res.head(413, {});
        res.end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const rawBody = Buffer.concat(chunks);
    const body = rawBody.toString('utf8');
    let json: unknown;
    try {
      json = body.length > 0 ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body,
      rawBody,
      json,
    };
    this.requests.push(recorded);
    const rejection = await this.gatekeeper(recorded);
    if (rejection) {
      recorded.rejected = rejection.reason;
      await respond(res, rejection.response);
      return;
    }
    const unscripted = this.onUnscripted;
    await respond(
      res,
      this.queue.shift() ?? (typeof unscripted === 'function' ? unscripted(recorded) : unscripted),
    );
  }
}

async function respond(res: Reply, scripted: Scripted): Promise<void> {
  if (scripted.kind === 'hang') return;
  if (scripted.kind !== 'cut' && scripted.delayMs) {
    await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
    // The client may have given up meanwhile; that is what slow replies are scripted for.
    if (res.gone()) return;
  }
  const text = scripted.kind === 'json' ? JSON.stringify(scripted.body) : scripted.body;
  const bytes = Buffer.from(text, 'utf8');
  res.head(scripted.status ?? 200, {
    'content-type': 'application/json',
    ...scripted.headers,
    'content-length': String(bytes.length),
  });
  if (scripted.kind === 'cut') {
    res.write(bytes.subarray(0, scripted.sendBytes), () => res.abort());
    return;
  }
  res.end(bytes);
}

/** The same response, sent only after `delayMs` (for timeouts and slow servers). */
export function delayed(response: Scripted, delayMs: number): Scripted {
  if (response.kind !== 'json' && response.kind !== 'raw')
    throw new Error(`cannot delay a ${response.kind} response`);
  return { ...response, delayMs };
}
