// What every LLM provider offers the generator: one completion call, the same request and reply
// shapes whatever the wire protocol, and failures as typed errors with codes.

export type LlmProviderName = 'bedrock' | 'bedrock-converse' | 'anthropic' | 'openai';

export const LLM_PROVIDER_NAMES: readonly LlmProviderName[] = [
  'bedrock',
  'bedrock-converse',
  'anthropic',
  'openai',
];

export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/** A JSON Schema object (draft 2020-12 subset that all four providers accept). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/**
 * Structured output, requested with each provider's own mechanism: a single forced tool for
 * Anthropic and Bedrock (InvokeModel and Converse), `response_format: json_schema` for OpenAI.
 */
export interface StructuredOutputSpec {
  /** Tool or schema name: letters, digits, `_` and `-`, at most 64 characters. */
  readonly name: string;
  readonly description: string;
  readonly schema: JsonSchema;
  /**
   * OpenAI only: ask for strict schema adherence (default true). Strict mode needs every property
   * listed in `required` and `additionalProperties: false` on every object.
   */
  readonly strict?: boolean;
}

export interface CompletionRequest {
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  /** Upper bound on the reply's tokens; a positive whole number. */
  readonly maxTokens: number;
  /** 0 to 1, the range every provider accepts. */
  readonly temperature?: number;
  readonly output?: StructuredOutputSpec;
}

/**
 * Why the model stopped, in one vocabulary for all providers. `max_tokens` means the reply was cut
 * off (a JSON reply is then usually incomplete); `refusal` and `content_filter` mean the model or
 * the platform declined to answer.
 */
export type StopReason =
  'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'refusal' | 'content_filter' | 'other';

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface Completion {
  /** All text the model wrote, text blocks joined with newlines ('' when it only called the tool). */
  readonly text: string;
  /**
   * The structured output when the request asked for one and the provider returned it: the forced
   * tool's input (Anthropic, Bedrock) or the message content parsed as JSON (OpenAI). Untrusted:
   * it has the schema's shape only if the provider enforced it.
   */
  readonly structured?: unknown;
  readonly stopReason: StopReason;
  /** The provider's own stop reason, e.g. `guardrail_intervened` or `length`. */
  readonly providerStopReason?: string;
  readonly usage?: TokenUsage;
  /** The model that answered (as the provider reports it, else the configured model id). */
  readonly model: string;
  /** The decoded response body, for logs and debugging. */
  readonly raw?: unknown;
}

export interface CompleteOptions {
  /** Cancels the call, including retries and backoff waits; the call then rejects with signal.reason. */
  readonly signal?: AbortSignal;
}

export interface LlmProvider {
  readonly name: LlmProviderName;
  /** The configured model id. */
  readonly model: string;
  complete(request: CompletionRequest, options?: CompleteOptions): Promise<Completion>;
}

/**
 * - LLM_TIMEOUT: an attempt took longer than the configured timeout, or the server said so (408).
 * - LLM_THROTTLED: still rate-limited or overloaded after the last retry.
 * - LLM_HTTP_ERROR: any other error status (see `status`, `providerCode`, `providerMessage`).
 * - LLM_BAD_RESPONSE: a success status with a body that is not the provider's reply shape.
 * - LLM_AUTH: missing, wrong or insufficient credentials.
 * - LLM_NETWORK: the connection failed or broke off, after the last retry.
 * - LLM_CONFIG: the provider configuration is unusable (missing model or key, bad URL).
 */
export type LlmErrorCode =
  | 'LLM_TIMEOUT'
  | 'LLM_THROTTLED'
  | 'LLM_HTTP_ERROR'
  | 'LLM_BAD_RESPONSE'
  | 'LLM_AUTH'
  | 'LLM_NETWORK'
  | 'LLM_CONFIG';

export interface LlmErrorDetails {
  readonly provider: LlmProviderName;
  /** HTTP status of the last response, when there was one. */
  readonly status?: number;
  /** The provider's error code or type, e.g. `rate_limit_error`, `ThrottlingException`. */
  readonly providerCode?: string;
  /** The provider's error message, shortened. */
  readonly providerMessage?: string;
  /** Attempts made, counting the first. */
  readonly attempts?: number;
  /** How long the server asked us to wait before the next try, when it said. */
  readonly retryAfterMs?: number;
  readonly requestId?: string;
  readonly cause?: unknown;
}

export class LlmError extends Error {
  readonly code: LlmErrorCode;
  readonly provider: LlmProviderName;
  readonly status: number | undefined;
  readonly providerCode: string | undefined;
  readonly providerMessage: string | undefined;
  readonly attempts: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly requestId: string | undefined;

  constructor(code: LlmErrorCode, message: string, details: LlmErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'LlmError';
    this.code = code;
    this.provider = details.provider;
    this.status = details.status;
    this.providerCode = details.providerCode;
    this.providerMessage = details.providerMessage;
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
    this.requestId = details.requestId;
  }
}

export function isLlmError(err: unknown): err is LlmError {
  return err instanceof LlmError;
}
