// Signing generic webhooks with HMAC-SHA256, and checking the signature on the receiving side.
// The signed text is `<timestamp>.<body>`, so a captured request cannot be replayed once its
// timestamp is older than the receiver's tolerance; the id lets receivers drop duplicates within it.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-grantflow-signature';
export const TIMESTAMP_HEADER = 'x-grantflow-timestamp';
export const ID_HEADER = 'x-grantflow-id';
export const EVENT_HEADER = 'x-grantflow-event';

/** Five minutes, the usual tolerance for signed webhooks. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `sha256=<hex>` over `<timestamp>.<body>`. */
export function signWebhook(secret: string, timestamp: number, body: string | Uint8Array): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(body);
  return `sha256=${hmac.digest('hex')}`;
}

/** Node's IncomingHttpHeaders, a Fetch Headers object, or a plain record. */
export type HeaderSource =
  { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

export type VerifyFailure =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'missing_id'
  | 'malformed_signature'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'bad_signature';

export type VerifyResult =
  | { readonly ok: true; readonly id: string; readonly timestamp: number }
  | { readonly ok: false; readonly reason: VerifyFailure; readonly message: string };

export interface VerifyOptions {
  /** How far the timestamp may be from now, either way. Default 300 s. */
  readonly toleranceSeconds?: number;
  /** Now, in epoch milliseconds (default `Date.now()`). */
  readonly now?: number;
}

/**
 * Checks a grantflow webhook: the signature must match the raw body (verify before parsing it)
 * under one of the secrets (several during a rotation), and the timestamp must be within the
 * tolerance. Receivers should also remember ids they have seen for that long and drop repeats.
 */
export function verifyWebhookSignature(
  secret: string | readonly string[],
  headers: HeaderSource,
  body: string | Uint8Array,
  options: VerifyOptions = {},
): VerifyResult {
  const fail = (reason: VerifyFailure, message: string): VerifyResult => ({ ok: false, reason, message });
  const signature = header(headers, SIGNATURE_HEADER);
  const timestampText = header(headers, TIMESTAMP_HEADER);
  const id = header(headers, ID_HEADER);
  if (signature === undefined) return fail('missing_signature', `no ${SIGNATURE_HEADER} header`);
  if (timestampText === undefined) return fail('missing_timestamp', `no ${TIMESTAMP_HEADER} header`);
  if (id === undefined || id === '') return fail('missing_id', `no ${ID_HEADER} header`);
  if (!/^\d{1,15}$/.test(timestampText)) {
    return fail('malformed_timestamp', `${TIMESTAMP_HEADER} must be Unix seconds`);
  }
  const match = /^sha256=([0-9a-f]{64})$/.exec(signature);
  if (!match) return fail('malformed_signature', `${SIGNATURE_HEADER} must be sha256=<64 hex digits>`);
  const timestamp = Number(timestampText);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  // Check the signature first so that a forged request learns nothing about the clock.
  const given = Buffer.from(match[1] as string, 'hex');
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const valid = secrets.some((s) => {
    const expected = Buffer.from(signWebhook(s, timestamp, body).slice('sha256='.length), 'hex');
    return timingSafeEqual(expected, given);
  });
  if (!valid) return fail('bad_signature', 'the signature does not match the body');
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    return fail('stale_timestamp', `the timestamp is more than ${tolerance} s from now`);
  }
  return { ok: true, id, timestamp };
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  // A repeated header is ambiguous; refuse rather than pick one.
  if (Array.isArray(value)) return value.length === 1 ? (value[0] as string) : undefined;
  return value as string | undefined;
}
