// POSTing a JSON body to a webhook with bounded retries: 429 waits for Retry-After, 5xx and
// connection failures back off exponentially, everything stops at the delivery's deadline, and
// redirects are never followed (a webhook that moved is a configuration problem, and following
// it could hand the payload, or a signed request, to somewhere nobody configured).
import { VERSION } from '../version.ts';
import { sleep } from './channel.ts';
import type { DeliveryContext } from './channel.ts';
import { ChannelError } from './errors.ts';
import type { ChannelErrorCode } from './errors.ts';
import { describeUrl, sanitizedCause } from './secrets.ts';
import type { Redact } from './secrets.ts';

export interface RetryPolicy {
  /** Tries after the first one, for 429, 5xx and connection failures. */
  readonly maxRetries: number;
  /** First backoff; doubles each retry, with jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * A Retry-After longer than this is not waited for: the delivery fails at once as
   * `rate_limited` (with `retryAfterMs`), for the caller to try again later.
   */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

export interface HttpTarget {
  readonly url: URL;
  /** What to call the receiver in errors, e.g. `Slack webhook`. */
  readonly label: string;
  readonly retry: RetryPolicy;
  readonly redact: Redact;
}

export interface PreparedRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface PostResult {
  readonly status: number;
  readonly attempts: number;
  readonly body: string;
}

/** Error bodies are read only this far: enough for `invalid_payload`, never a whole page. */
const MAX_ERROR_BODY_BYTES = 2_048;

/**
 * POSTs `prepare(attempt)` (called per attempt, so signatures carry a fresh timestamp) until a 2xx
 * answer; rejects with a ChannelError whose message names the receiver by origin only.
 */
export async function postWithRetry(
  target: HttpTarget,
  prepare: (attempt: number) => PreparedRequest,
  context: DeliveryContext,
): Promise<PostResult> {
  const where = `${target.label} ${describeUrl(target.url)}`;
  const attemptsAllowed = target.retry.maxRetries + 1;
  for (let attempt = 1; ; attempt++) {
    const { headers, body } = prepare(attempt);
    let failure: ChannelError;
    let waitMs: number;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': `grantflow/${VERSION}`, ...headers },
        body,
        redirect: 'manual',
        signal: context.signal,
      });
      const text = await readSome(response, MAX_ERROR_BODY_BYTES);
      const status = response.status;
      if (status >= 200 && status < 300) return { status, attempts: attempt, body: text };
      const answer = text.trim() === '' ? '' : `: ${target.redact(oneLineOf(text))}`;
      const fail = (code: ChannelErrorCode, what: string, retryAfterMs?: number) =>
        new ChannelError(code, `${where} ${what} (HTTP ${status}${answer})`, {
          status,
          attempts: attempt,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
      if (status >= 300 && status < 400)
        throw fail('redirect', 'answered with a redirect, which is not followed');
      if (status === 401 || status === 403) throw fail('auth', 'refused the credentials');
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      if (status === 429) {
        if (retryAfterMs !== undefined && retryAfterMs > target.retry.maxRetryAfterMs) {
          throw fail(
            'rate_limited',
            `is rate limiting for ${Math.ceil(retryAfterMs / 1000)} s`,
            retryAfterMs,
          );
        }
        failure = fail('rate_limited', 'is rate limiting', retryAfterMs);
        waitMs = retryAfterMs ?? backoff(target.retry, attempt);
      } else if (status >= 500) {
        failure = fail('server_error', 'failed');
        waitMs = Math.max(
          backoff(target.retry, attempt),
          Math.min(retryAfterMs ?? 0, target.retry.maxRetryAfterMs),
        );
      } else {
        throw fail('rejected', 'refused the message');
      }
    } catch (err) {
      if (err instanceof ChannelError) throw err;
      if (context.signal.aborted) {
        throw new ChannelError('timeout', `${where} did not answer in time`, { attempts: attempt });
      }
      const cause = sanitizedCause((err as { cause?: unknown }).cause ?? err, target.redact);
      const code = (cause as { code?: string }).code;
      failure = new ChannelError('network', `${where} could not be reached${code ? ` (${code})` : ''}`, {
        attempts: attempt,
        cause,
      });
      waitMs = backoff(target.retry, attempt);
    }
    if (attempt >= attemptsAllowed) throw failure;
    if (Date.now() + waitMs >= context.deadline) throw failure;
    try {
      await sleep(waitMs, context.signal);
    } catch {
      throw failure;
    }
  }
}

/** Retry-After is delay-seconds or an HTTP date (RFC 9110, 10.2.3); anything else is ignored. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Exponential backoff with "equal jitter": half fixed, half random. */
export function backoff(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

async function readSome(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}

function oneLineOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
