// Server-side check of an AWS Signature Version 4 Authorization header: parse it, recompute the
// signature over the request as received with @smithy/signature-v4, and compare. Any fake AWS
// endpoint can use it; failures carry the error type AWS services answer with.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RecordedRequest } from './scripted-server.ts';

export interface FakeAwsCredentials {
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SigV4Options {
  /** Known access key ids and their secrets. */
  readonly credentials: Readonly<Record<string, FakeAwsCredentials>>;
  /** The signing name the service expects, e.g. `bedrock`. */
  readonly service: string;
  /** The region the endpoint serves; a signature scoped to another region is refused. */
  readonly region: string;
  /** Allowed clock difference, 15 minutes as AWS allows by default. */
  readonly maxSkewMs?: number;
  readonly now?: () => Date;
}

export type SigV4Result =
  | { readonly ok: true; readonly accessKeyId: string }
  | {
      readonly ok: false;
      readonly status: number;
      /** AWS error type, e.g. `InvalidSignatureException`. */
      readonly errorType: string;
      readonly message: string;
    };

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;:-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** The SHA-256 hash/HMAC in the shape @smithy/signature-v4 expects, backed by node:crypto. */
export class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function fail(status: number, errorType: string, message: string): SigV4Result {
  return { ok: false, status, errorType, message };
}

function headerValue(request: RecordedRequest, name: string): string | undefined {
  // Over HTTP/2 the host travels as the :authority pseudo-header.
  const value = request.headers[name] ?? (name === 'host' ? request.headers[':authority'] : undefined);
  return Array.isArray(value) ? value.join(',') : value;
}

export async function verifySigV4(request: RecordedRequest, options: SigV4Options): Promise<SigV4Result> {
  const authorization = headerValue(request, 'authorization');
  if (authorization === undefined)
    return fail(403, 'MissingAuthenticationTokenException', 'fake: no Authorization header');
  const match = AUTH_PATTERN.exec(authorization);
  if (!match)
    return fail(
      403,
      'IncompleteSignatureException',
      'fake: the Authorization header is not a well-formed SigV4 header',
    );
  const [, accessKeyId, scopeDate, scopeRegion, scopeService, signedHeaderList, signature] =
    match as unknown as [string, string, string, string, string, string, string];

  const known = options.credentials[accessKeyId];
  if (!known) return fail(403, 'UnrecognizedClientException', 'fake: unknown access key or session token');
  if (known.sessionToken !== undefined && headerValue(request, 'x-amz-security-token') !== known.sessionToken)
    return fail(403, 'UnrecognizedClientException', 'fake: unknown access key or session token');
  if (scopeService !== options.service)
    return fail(
      403,
      'InvalidSignatureException',
      `fake: the credential scope must name the service ${options.service}`,
    );
  if (scopeRegion !== options.region)
    return fail(
      403,
      'InvalidSignatureException',
      `fake: the credential scope region ${scopeRegion} is not this endpoint's region`,
    );

  const signedHeaders = signedHeaderList.split(';');
  // Over HTTP/2 the SDK signs the :authority pseudo-header in place of Host.
  if (!signedHeaders.includes('host') && !signedHeaders.includes(':authority'))
    return fail(403, 'InvalidSignatureException', 'fake: the host must be a signed header');
  const amzDate = headerValue(request, 'x-amz-date');
  const dateParts = amzDate === undefined ? null : AMZ_DATE_PATTERN.exec(amzDate);
  if (!dateParts || !signedHeaders.includes('x-amz-date'))
    return fail(403, 'IncompleteSignatureException', 'fake: a signed X-Amz-Date header is required');
  const [, y, mo, d, h, mi, s] = dateParts.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const signingDate = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (amzDate!.slice(0, 8) !== scopeDate)
    return fail(
      403,
      'InvalidSignatureException',
      'fake: the credential scope date does not match X-Amz-Date',
    );
  const now = options.now?.() ?? new Date();
  if (Math.abs(now.getTime() - signingDate.getTime()) > (options.maxSkewMs ?? 15 * 60_000))
    return fail(
      403,
      'InvalidSignatureException',
      'fake: signature expired, the request time is too far from the server time',
    );

  const payloadHash = createHash('sha256').update(request.rawBody).digest('hex');
  const declaredHash = headerValue(request, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== 'UNSIGNED-PAYLOAD' && declaredHash !== payloadHash)
    return fail(400, 'XAmzContentSHA256Mismatch', 'fake: x-amz-content-sha256 does not match the body');

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(request, name);
    if (value === undefined)
      return fail(
        403,
        'InvalidSignatureException',
        `fake: the signed header ${name} is missing from the request`,
      );
    headers[name] = value;
  }
  const url = new URL(request.url, 'http://placeholder');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = query[key];
    query[key] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const [hostname, port] = (headerValue(request, 'host') ?? '').split(':');
  const signer = new SignatureV4({
    credentials: { accessKeyId, ...known },
    region: scopeRegion,
    service: scopeService,
    sha256: NodeSha256,
    // The client decided whether to send x-amz-content-sha256; recompute over exactly what it signed.
    applyChecksum: signedHeaders.includes('x-amz-content-sha256'),
  });
  const recomputed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: hostname ?? '',
      port: port === undefined ? undefined : Number(port),
      path: request.url.split('?')[0] ?? '/',
      query,
      headers,
      body: request.rawBody,
    },
    {
      signingDate,
      signableHeaders: new Set(signedHeaders),
      signingRegion: scopeRegion,
      signingService: scopeService,
    },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(recomputed.headers.authorization))?.[1] ?? '';
  const expectedList = /SignedHeaders=([^,]+)/.exec(String(recomputed.headers.authorization))?.[1];
  if (
    expectedList !== signedHeaderList ||
    expected.length !== signature.length ||
    !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))
  ) {
    return fail(
      403,
      'InvalidSignatureException',
      'fake: the signature does not match the one computed from the request',
    );
  }
  return { ok: true, accessKeyId };
}
