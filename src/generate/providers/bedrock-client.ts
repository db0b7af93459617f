// The Bedrock Runtime client both Bedrock providers use, and the mapping of its errors to ours.
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { ResolvedBedrockConfig } from './config.ts';
import { shorten, statusFailure } from './http.ts';
import { AttemptError, parseRetryAfter } from './retry.ts';

export function createBedrockClient(config: ResolvedBedrockConfig): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: config.region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
    ...(config.profile === undefined ? {} : { profile: config.profile }),
    // One place decides about retries (withRetries), with the same rules for every provider.
    maxAttempts: 1,
  });
}

const AUTH_ERRORS = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
]);
const THROTTLE_ERRORS = new Set(['ThrottlingException', 'ModelNotReadyException']);
const TRANSIENT_ERRORS = new Set(['InternalServerException', 'ServiceUnavailableException']);

interface SdkError {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { headers?: Record<string, string | undefined> };
}

/** Maps what the AWS SDK threw to an attempt failure; aborts pass through for withRetries. */
export function sdkFailure(err: unknown): unknown {
  const e = (err ?? {}) as SdkError;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  if (name === 'AbortError') return err;
  // The SDK appends a hint about a hidden field to some messages; the first line is the message.
  const message = shorten(String(e.message ?? '').split('\n')[0] ?? '');
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  const headers = e.$response?.headers;
  const retryAfterMs = headers ? parseRetryAfter((h) => headers[h]) : undefined;
  const details = {
    status,
    providerCode: name,
    providerMessage: message || undefined,
    requestId,
    retryAfterMs,
  };
  const text = `${status === undefined ? '' : `HTTP ${status} `}${name}${message ? `: ${message}` : ''}`;

  if (name === 'CredentialsProviderError')
    return new AttemptError('LLM_AUTH', 'no', `no usable AWS credentials: ${message}`, details);
  if (AUTH_ERRORS.has(name)) return new AttemptError('LLM_AUTH', 'no', text, details);
  if (THROTTLE_ERRORS.has(name)) return new AttemptError('LLM_HTTP_ERROR', 'throttle', text, details);
  if (name === 'ModelTimeoutException') return new AttemptError('LLM_TIMEOUT', 'transient', text, details);
  if (TRANSIENT_ERRORS.has(name)) return new AttemptError('LLM_HTTP_ERROR', 'transient', text, details);
  if (name === 'ServiceQuotaExceededException')
    return new AttemptError('LLM_HTTP_ERROR', 'no', text, details);

  const networkCode = typeof e.code === 'string' ? e.code : undefined;
  if (networkCode !== undefined && /^(E[A-Z]+|ERR_HTTP2_\w+|ERR_STREAM_\w+|UND_ERR_\w+)$/.test(networkCode))
    return new AttemptError(
      'LLM_NETWORK',
      'transient',
      `connection failed or broke off: ${networkCode} ${message}`.trim(),
      details,
    );
  if (status !== undefined && status >= 200 && status < 300)
    return new AttemptError('LLM_BAD_RESPONSE', 'no', `the reply could not be read: ${message}`, details);
  if (status !== undefined) {
    const failure = statusFailure(status, undefined, {
      providerCode: name,
      providerMessage: message,
      requestId,
    });
    return retryAfterMs === undefined
      ? failure
      : new AttemptError(failure.code, failure.retry, failure.message, { ...failure.details, retryAfterMs });
  }
  return new AttemptError('LLM_NETWORK', 'transient', `request failed before a reply: ${text}`, details);
}
