// One JSON POST with plain fetch, for the providers that need no SDK (Anthropic, OpenAI-compatible),
// and the mapping of HTTP statuses to error codes and retry classes that all providers share.
import { AttemptError, parseRetryAfter } from './retry.ts';

export interface HttpReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Text from a remote server, made safe to print: no control characters, bounded length. */
export function shorten(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = typeof cause?.message === 'string' ? cause.message : (err as Error)?.message;
  return shorten([code, message].filter(Boolean).join(' '), 200) || 'unknown network error';
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new AttemptError(
      'LLM_BAD_RESPONSE',
      'no',
      `reply of ${declared} bytes exceeds the ${maxBytes}-byte limit`,
    );
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new AttemptError('LLM_BAD_RESPONSE', 'no', `reply exceeds the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * POSTs `body` as JSON and reads the whole reply. Connection failures become retryable
 * LLM_NETWORK attempts; an abort (timeout or caller) propagates unchanged for withRetries to name.
 * Redirects are not followed, so API keys never travel to a host that was not configured.
 */
export async function postJson(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
  maxResponseBytes: number,
): Promise<HttpReply> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
      redirect: 'manual',
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new AttemptError(
      'LLM_NETWORK',
      'transient',
      `cannot reach ${new URL(url).origin}: ${describeCause(err)}`,
    );
  }
  try {
    return {
      status: response.status,
      headers: response.headers,
      text: await readCapped(response, maxResponseBytes),
    };
  } catch (err) {
    if (signal.aborted || err instanceof AttemptError) throw err;
    throw new AttemptError(
      'LLM_NETWORK',
      'transient',
      `the connection broke off while reading the reply: ${describeCause(err)}`,
    );
  }
}

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface ErrorFacts {
  readonly providerCode?: string;
  readonly providerMessage?: string;
  readonly requestId?: string;
  /** The provider says waiting will not help (e.g. a spent quota), whatever the status. */
  readonly permanent?: boolean;
}

/** Turns an error status into an attempt failure with the right code and retry class. */
export function statusFailure(status: number, headers: Headers | undefined, facts: ErrorFacts): AttemptError {
  const providerMessage = facts.providerMessage === undefined ? undefined : shorten(facts.providerMessage);
  const what = [`HTTP ${status}`, facts.providerCode].filter(Boolean).join(' ');
  const message = providerMessage ? `${what}: ${providerMessage}` : what;
  const details = {
    status,
    providerCode: facts.providerCode,
    providerMessage,
    requestId: facts.requestId,
    retryAfterMs: headers ? parseRetryAfter((name) => headers.get(name)) : undefined,
  };
  if (status >= 300 && status < 400)
    return new AttemptError(
      'LLM_HTTP_ERROR',
      'no',
      `${message} (redirect to ${headers?.get('location') ?? 'nowhere'} not followed; check the base URL)`,
      details,
    );
  if (status === 401 || status === 403) return new AttemptError('LLM_AUTH', 'no', message, details);
  if (facts.permanent) return new AttemptError('LLM_HTTP_ERROR', 'no', message, details);
  if (status === 429 || status === 529)
    return new AttemptError('LLM_HTTP_ERROR', 'throttle', message, details);
  if (status === 408) return new AttemptError('LLM_TIMEOUT', 'transient', message, details);
  if (status >= 500) return new AttemptError('LLM_HTTP_ERROR', 'transient', message, details);
  return new AttemptError('LLM_HTTP_ERROR', 'no', message, details);
}

/** A 2xx reply whose body is not what the provider documents. */
export function badResponse(what: string, text?: string): AttemptError {
  const excerpt = text === undefined ? '' : ` (body starts: ${JSON.stringify(shorten(text, 80))})`;
  return new AttemptError('LLM_BAD_RESPONSE', 'no', `${what}${excerpt}`);
}
