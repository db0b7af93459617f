// Signature Version 4 checks for the emulator: read the Authorization header, find the secret of
// its access key, recompute the signature over the same signed headers with the SDK's own signer,
// and compare. Failures get the codes AWS answers with.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { CloudError } from '../errors.ts';

/** How far a request's X-Amz-Date may be from the server's clock, as AWS allows. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  readonly method: string;
  /** The path part of the URL, as sent. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface Authorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTH = /^AWS4-HMAC-SHA256 (.+)$/;

/** Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
export function parseAuthorization(header: string | undefined): Authorization {
  if (header === undefined || header === '') {
    throw new CloudError(
      'MissingAuthenticationToken',
      'The request is not signed: it has no Authorization header.',
    );
  }
  const match = AUTH.exec(header.trim());
  if (!match) {
    throw new CloudError(
      'IncompleteSignature',
      'The Authorization header must use the AWS4-HMAC-SHA256 algorithm.',
    );
  }
  const fields = new Map<string, string>();
  for (const part of match[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new CloudError(
      'IncompleteSignature',
      'The Authorization header must have Credential, SignedHeaders and Signature parameters.',
    );
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw new CloudError(
      'IncompleteSignature',
      `The credential ${credential} is not of the form <key>/<date>/<region>/<service>/aws4_request.`,
    );
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** node:crypto behind the Hash interface the SDK signer expects. */
class NodeSha256 {
  readonly #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(typeof data === 'string' ? data : toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    throw new Error('reset is not supported');
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
}

/** Parses X-Amz-Date (20240102T030405Z). */
function parseAmzDate(text: string | undefined): Date | undefined {
  const m = text === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

function header(request: SignedRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Verifies a request's signature with the secret of its access key. `secretOf` answers undefined
 * for a key the service never issued.
 */
export async function verifySignature(
  request: SignedRequest,
  auth: Authorization,
  secretOf: (accessKeyId: string) => Promise<string | undefined>,
  now: Date = new Date(),
): Promise<void> {
  const secret = await secretOf(auth.accessKeyId);
  if (secret === undefined) {
    throw new CloudError(
      'InvalidClientTokenId',
      'The security token included in the request is invalid: this access key is unknown.',
    );
  }
  const amzDate = header(request, 'x-amz-date');
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !auth.signedHeaders.includes('host')) {
    throw new CloudError(
      'IncompleteSignature',
      'A signed request needs an X-Amz-Date header and must sign the host header.',
    );
  }
  if (amzDate!.slice(0, 8) !== auth.date) {
    throw new CloudError(
      'SignatureDoesNotMatch',
      `The credential scope date ${auth.date} is not the date of X-Amz-Date ${amzDate}.`,
    );
  }
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new CloudError(
      'SignatureDoesNotMatch',
      `Signature expired: the request was signed at ${amzDate}, more than 15 minutes from the server time.`,
    );
  }
  // The signer trusts a payload hash header over the body, so the body must be checked against it:
  // otherwise a signed request could carry any other body.
  const payloadHash = header(request, 'x-amz-content-sha256');
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(request.body).digest('hex')) {
    throw new CloudError(
      'SignatureDoesNotMatch',
      'The x-amz-content-sha256 header is not the SHA-256 of the request body.',
    );
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const v = header(request, name);
    if (v === undefined)
      throw new CloudError('SignatureDoesNotMatch', `The signed header ${name} is missing from the request.`);
    headers[name] = v;
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of request.query) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
    region: auth.region,
    service: auth.service,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: request.path,
      query,
      headers,
      body: request.body,
    },
    { signingDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const a = Buffer.from(expected);
  const b = Buffer.from(auth.signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new CloudError(
      'SignatureDoesNotMatch',
      'The request signature does not match the one computed with the secret of this access key. Check the secret access key and the signing method.',
    );
  }
}
