// Attempts, timeouts and backoff shared by every provider. A provider turns each failed attempt
// into an AttemptError that says whether trying again can help; this module decides whether and
// when to try again and what the caller finally sees.
import { LlmError } from '../llm.ts';
import type { LlmErrorCode, LlmErrorDetails } from '../llm.ts';
import type { ResolvedCommon } from './config.ts';

/**
 * - `no`: the same request will fail the same way (bad request, auth, malformed reply).
 * - `throttle`: rate limit or overload; if it persists the caller gets LLM_THROTTLED.
 * - `transient`: 5xx, 408, a broken connection; if it persists the caller gets `code`.
 */
export type RetryClass = 'no' | 'throttle' | 'transient';

export type AttemptDetails = Omit<LlmErrorDetails, 'provider' | 'attempts'>;

export class AttemptError extends Error {
  readonly code: LlmErrorCode;
  readonly retry: RetryClass;
  readonly details: AttemptDetails;
  constructor(code: LlmErrorCode, retry: RetryClass, message: string, details: AttemptDetails = {}) {
    super(message);
    this.name = 'AttemptError';
    this.code = code;
    this.retry = retry;
    this.details = details;
  }
}

/** Backoff before attempt `failed + 1`: exponential with equal jitter, capped. */
export function backoffDelay(
  failed: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (failed - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Reads Retry-After (seconds or an HTTP date) and the millisecond variant some OpenAI-compatible
 * servers send. Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(
  header: (name: string) => string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  const ms = header('retry-after-ms')?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const value = header('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // HTTP dates start with the day name; Date.parse alone would accept things like "-3".
  const date = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function finalError(
  config: ResolvedCommon,
  failure: AttemptError,
  attempts: number,
  gaveUpEarly: boolean,
): LlmError {
  const details: LlmErrorDetails = {
    ...failure.details,
    provider: config.provider,
    attempts,
    cause: failure,
  };
  if (failure.retry === 'throttle') {
    const why = gaveUpEarly
      ? `the server asks to wait ${Math.ceil((failure.details.retryAfterMs ?? 0) / 1000)} s, more than the ${Math.ceil(config.maxRetryAfterMs / 1000)} s allowed`
      : `after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
    return new LlmError(
      'LLM_THROTTLED',
      `${config.provider}: still rate-limited or overloaded (${why}): ${failure.message}`,
      details,
    );
  }
  const suffix = failure.retry === 'transient' && attempts > 1 ? ` (after ${attempts} attempts)` : '';
  return new LlmError(failure.code, `${config.provider}: ${failure.message}${suffix}`, details);
}

/**
 * Runs `attempt` until it succeeds, fails for good, or runs out of retries. Each attempt gets a
 * signal that fires at the configured timeout or when the caller aborts. A timeout is not retried:
 * a model that was too slow once is likely to be too slow again, and each try costs tokens.
 */
export async function withRetries<T>(
  config: ResolvedCommon,
  callerSignal: AbortSignal | undefined,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  callerSignal?.throwIfAborted();
  for (let n = 1; ; n++) {
    const timeout = AbortSignal.timeout(config.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    let failure: AttemptError;
    try {
      return await attempt(signal);
    } catch (err) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      if (timeout.aborted) {
        throw new LlmError(
          'LLM_TIMEOUT',
          `${config.provider}: no complete reply within ${config.timeoutMs} ms`,
          {
            provider: config.provider,
            attempts: n,
            cause: err,
          },
        );
      }
      if (!(err instanceof AttemptError)) throw err;
      failure = err;
    }
    if (failure.retry === 'no' || n > config.maxRetries) throw finalError(config, failure, n, false);
    const retryAfterMs = failure.details.retryAfterMs;
    if (retryAfterMs !== undefined && retryAfterMs > config.maxRetryAfterMs)
      throw finalError(config, failure, n, true);
    const delayMs = retryAfterMs ?? backoffDelay(n, config.baseDelayMs, config.maxDelayMs);
    config.onRetry?.({
      provider: config.provider,
      attempt: n,
      delayMs,
      fromRetryAfter: retryAfterMs !== undefined,
      error: new LlmError(failure.code, `${config.provider}: ${failure.message}`, {
        ...failure.details,
        provider: config.provider,
        attempts: n,
      }),
    });
    await sleep(delayMs, callerSignal);
  }
}
