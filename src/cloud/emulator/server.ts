// A local AWS-compatible endpoint: serves the embedded IAM over the AWS Query protocol (IAM
// 2010-05-08), plus STS GetCallerIdentity (2011-06-15) and SNS Publish (2010-03-31) on the same
// port, so the AWS SDK and the AWS CLI work against it with an endpoint URL. Every request must be
// signed (SigV4) with an access key the emulator issued: the root key, or a user's key from
// CreateAccessKey.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudError, isCloudError } from '../errors.ts';
import type { KeyOwner, LocalIamBackend } from '../local/index.ts';
import type { CallerIdentity, User } from '../types.ts';
import { IAM_ACTION_RESOURCES, authorizeCall } from './authorize.ts';
import { parseQueryParams } from './query.ts';
import { parseAuthorization, verifySignature } from './sigv4.ts';
import { errorXml, resultXml } from './xml.ts';
import type { QueryService } from './xml.ts';
import { readBody } from './body.ts';

const VERSIONS: Record<string, QueryService> = {
  '2010-05-08': 'iam',
  '2011-06-15': 'sts',
  '2010-03-31': 'sns',
};
const VERSION_OF: Record<QueryService, string> = { iam: '2010-05-08', sts: '2011-06-15', sns: '2010-03-31' };
/** Large enough for the biggest policy document (131,072 characters) URL-encoded, and SNS's 256 KiB. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** IAM actions that default their user to the caller when UserName is left out. */
const CALLER_DEFAULT_USER = new Set(['GetUser', 'CreateAccessKey', 'ListAccessKeys', 'DeleteAccessKey']);

export interface EmulatorOptions {
  readonly backend: LocalIamBackend;
  /** Default 127.0.0.1: the emulator is for this machine. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** The root access key; by default the one kept in the store (created on first start). */
  readonly rootCredentials?: { readonly AccessKeyId: string; readonly SecretAccessKey: string };
  /** Decide each IAM user's call with its identity policies and answer AccessDenied. */
  readonly authorize?: boolean;
  readonly clock?: () => Date;
}

export interface RunningEmulator {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The root access key that signs requests as the account root. */
  readonly credentials: { readonly AccessKeyId: string; readonly SecretAccessKey: string };
  close(): Promise<void>;
}

type Caller =
  { kind: 'root'; identity: CallerIdentity } | { kind: 'user'; identity: CallerIdentity; user: User };

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const { backend } = options;
  const clock = options.clock ?? (() => new Date());
  const credentials = await backend.rootAccessKey(options.rootCredentials);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    let service: QueryService = 'iam';
    try {
      const body = await readBody(
        req,
        MAX_BODY_BYTES,
        () => new CloudError('ValidationError', `The request body is larger than ${MAX_BODY_BYTES} bytes.`),
      );
      const url = new URL(req.url ?? '/', 'http://localhost');
      const params = new URLSearchParams(url.search);
      if (
        req.method === 'POST' &&
        /application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')
      ) {
        for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
      }
      const versionService = VERSIONS[params.get('Version') ?? ''];
      if (versionService) service = versionService;
      if (req.method !== 'POST' && req.method !== 'GET') {
        throw new CloudError('InvalidAction', `The Query API answers GET and POST, not ${req.method}.`);
      }
      const auth = parseAuthorization(req.headers.authorization);
      if (auth.service === 'iam' || auth.service === 'sts' || auth.service === 'sns') service = auth.service;
      let owner: KeyOwner | undefined;
      await verifySignature(
        { method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body },
        auth,
        async (id) => {
          owner = await backend.accessKeyOwner(id);
          if (owner?.kind === 'user' && !owner.active) return undefined;
          return owner?.secretAccessKey;
        },
        clock(),
      );
      const caller = callerOf(backend, owner!);
      const { action, version, input } = parseQueryParams(params);
      if (!action) throw new CloudError('InvalidAction', 'The request has no Action parameter.');
      if (version !== undefined && version !== VERSION_OF[service]) {
        throw new CloudError('InvalidAction', `Could not find operation ${action} for version ${version}.`);
      }
      const result = await dispatch(service, action, input, caller, {
        backend,
        authorize: options.authorize ?? false,
        region: auth.region,
        sourceIp: req.socket.remoteAddress,
        now: clock(),
      });
      send(res, 200, resultXml(service, action, result, requestId), requestId);
    } catch (err) {
      const error = isCloudError(err)
        ? err
        : new CloudError('ServiceFailure', `The emulator failed: ${(err as Error).message ?? String(err)}`);
      send(
        res,
        error.httpStatus,
        errorXml(service, { type: error.type, code: error.code, message: error.message }, requestId),
        requestId,
      );
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    host,
    port,
    credentials,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function callerOf(backend: LocalIamBackend, owner: KeyOwner): Caller {
  if (owner.kind === 'root') return { kind: 'root', identity: backend.rootIdentity() };
  const { user } = owner;
  return { kind: 'user', user, identity: { UserId: user.UserId, Account: backend.accountId, Arn: user.Arn } };
}

interface DispatchContext {
  readonly backend: LocalIamBackend;
  readonly authorize: boolean;
  readonly region: string;
  readonly sourceIp: string | undefined;
  readonly now: Date;
}

async function dispatch(
  service: QueryService,
  action: string,
  input: Record<string, unknown>,
  caller: Caller,
  ctx: DispatchContext,
): Promise<object | undefined> {
  if (service === 'sts') {
    if (action !== 'GetCallerIdentity') throw unknownAction(action, service);
    // GetCallerIdentity needs no permission, in AWS too.
    return caller.identity;
  }
  if (service === 'sns') {
    if (action !== 'Publish') throw unknownAction(action, service);
    if (ctx.authorize && caller.kind === 'user')
      await authorizeCall(ctx.backend, { service, action, input, caller: caller.user, ...ctx });
    return ctx.backend.publish(input as never);
  }
  if (!Object.hasOwn(IAM_ACTION_RESOURCES, action)) throw unknownAction(action, service);
  if (caller.kind === 'user' && input.UserName === undefined && CALLER_DEFAULT_USER.has(action)) {
    input = { ...input, UserName: caller.user.UserName };
  }
  if (ctx.authorize && caller.kind === 'user') {
    await authorizeCall(ctx.backend, { service, action, input, caller: caller.user, ...ctx });
  }
  const method = action.charAt(0).toLowerCase() + action.slice(1);
  const operation = (ctx.backend as unknown as Record<string, (input: unknown) => Promise<object | void>>)[
    method
  ]!;
  const result = await operation.call(
    ctx.backend,
    action === 'GenerateCredentialReport' || action === 'GetCredentialReport' ? undefined : input,
  );
  return result ?? undefined;
}

function unknownAction(action: string, service: QueryService): CloudError {
  return new CloudError(
    'InvalidAction',
    `Could not find operation ${action} for version ${VERSION_OF[service]}.`,
  );
}

function send(res: ServerResponse, status: number, xml: string, requestId: string): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amzn-requestid': requestId,
  });
  res.end(xml);
}
