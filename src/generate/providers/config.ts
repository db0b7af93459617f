// Provider configuration: a plain object, with environment variables as fallbacks.
//
// Environment variables read (an explicit config value always wins):
//   all providers      GRANTFLOW_LLM_TIMEOUT_MS (per attempt, default 120000),
//                      GRANTFLOW_LLM_MAX_RETRIES (retries after the first attempt, default 3)
//   bedrock,           GRANTFLOW_BEDROCK_MODEL_ID (default anthropic.claude-3-5-sonnet-20240620-v1:0,
//   bedrock-converse     the seed's model; a model id, inference profile id or ARN),
//                      GRANTFLOW_BEDROCK_REGION, then AWS_REGION, then AWS_DEFAULT_REGION
//                        (default ap-northeast-2, the seed's region),
//                      GRANTFLOW_BEDROCK_ENDPOINT (endpoint URL override; without it the SDK resolves
//                        the endpoint itself and honours AWS_ENDPOINT_URL_BEDROCK_RUNTIME).
//                      Credentials come from the AWS SDK's standard chain (AWS_ACCESS_KEY_ID…,
//                      AWS_PROFILE, SSO, web identity, container and instance metadata) unless
//                      `credentials` is given.
//   anthropic          ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL (default https://api.anthropic.com),
//                      GRANTFLOW_ANTHROPIC_MODEL (default claude-sonnet-4-5)
//   openai             OPENAI_API_KEY (required only for api.openai.com; local servers such as
//                      Ollama or vLLM usually need none), OPENAI_BASE_URL (default https://api.openai.com/v1,
//                      e.g. http://localhost:11434/v1 for Ollama), GRANTFLOW_OPENAI_MODEL (default
//                      gpt-4.1 for api.openai.com; required for any other base URL)
import type { BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { LlmError } from '../llm.ts';
import type { LlmProviderName } from '../llm.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** Static AWS credentials or a provider of them, as the AWS SDK accepts. */
export type AwsCredentials = NonNullable<BedrockRuntimeClientConfig['credentials']>;

export interface RetryEvent {
  readonly provider: LlmProviderName;
  /** The attempt that failed, counting from 1. */
  readonly attempt: number;
  /** How long we wait before the next attempt. */
  readonly delayMs: number;
  /** Whether the wait comes from the server's Retry-After header. */
  readonly fromRetryAfter: boolean;
  readonly error: LlmError;
}

export interface ProviderConfig {
  /** Model id; for Bedrock also an inference profile id or ARN. */
  readonly model?: string;
  /** Bedrock: AWS region. */
  readonly region?: string;
  /** Bedrock: endpoint URL override (a VPC endpoint, a proxy, or a fake in tests). */
  readonly endpoint?: string;
  /** Bedrock: credentials or a credentials provider; default is the SDK's standard chain. */
  readonly credentials?: AwsCredentials;
  /** Bedrock: named profile from the shared config files (otherwise AWS_PROFILE, then default). */
  readonly profile?: string;
  /** Anthropic, OpenAI: API key. */
  readonly apiKey?: string;
  /** Anthropic, OpenAI: API base URL. */
  readonly baseURL?: string;
  /** Limit for one attempt, including reading the reply. Not retried when reached. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt for throttling, overload, 5xx, 408 and broken connections. */
  readonly maxRetries?: number;
  /** First backoff step (default 500 ms); each retry doubles it, with jitter, up to maxDelayMs. */
  readonly baseDelayMs?: number;
  /** Longest backoff between two attempts (default 20 s). */
  readonly maxDelayMs?: number;
  /** Longest Retry-After we are willing to wait (default 60 s); a longer one ends the retries. */
  readonly maxRetryAfterMs?: number;
  /**
   * Replies larger than this are refused as LLM_BAD_RESPONSE (default 4 MiB). Not applied to
   * bedrock-converse, whose reply the AWS SDK reads and decodes itself.
   */
  readonly maxResponseBytes?: number;
  /**
   * OpenAI: which field carries the token limit. api.openai.com's current models need
   * `max_completion_tokens`; Ollama, vLLM and most compatible servers read `max_tokens`.
   * Default: `max_completion_tokens` for api.openai.com, `max_tokens` elsewhere.
   */
  readonly tokenLimitField?: 'max_tokens' | 'max_completion_tokens';
  /** Called before each backoff wait, e.g. to log or show progress. */
  readonly onRetry?: (event: RetryEvent) => void;
}

export interface ResolvedCommon {
  readonly provider: LlmProviderName;
  readonly model: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetryAfterMs: number;
  readonly maxResponseBytes: number;
  readonly onRetry: ((event: RetryEvent) => void) | undefined;
}

export interface ResolvedBedrockConfig extends ResolvedCommon {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly credentials: AwsCredentials | undefined;
  readonly profile: string | undefined;
}

export interface ResolvedHttpConfig extends ResolvedCommon {
  readonly apiKey: string | undefined;
  /** Without a trailing slash. */
  readonly baseURL: string;
}

export interface ResolvedOpenAiConfig extends ResolvedHttpConfig {
  readonly tokenLimitField: 'max_tokens' | 'max_completion_tokens';
}

export const DEFAULT_BEDROCK_MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
export const DEFAULT_BEDROCK_REGION = 'ap-northeast-2';
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-5';
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_OPENAI_MODEL = 'gpt-4.1';
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

const LIMITS = {
  timeoutMs: { min: 1, max: 30 * 60_000, default: 120_000 },
  maxRetries: { min: 0, max: 10, default: 3 },
  baseDelayMs: { min: 0, max: 60_000, default: 500 },
  maxDelayMs: { min: 0, max: 10 * 60_000, default: 20_000 },
  maxRetryAfterMs: { min: 0, max: 60 * 60_000, default: 60_000 },
  maxResponseBytes: { min: 1024, max: 256 * 1024 * 1024, default: 4 * 1024 * 1024 },
} as const;

function configError(provider: LlmProviderName, message: string): LlmError {
  return new LlmError('LLM_CONFIG', `${provider}: ${message}`, { provider });
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function integer(
  provider: LlmProviderName,
  name: keyof typeof LIMITS,
  value: number | undefined,
  envName: string | undefined,
  env: Env,
): number {
  const { min, max } = LIMITS[name];
  let n = value;
  let source = name as string;
  if (n === undefined && envName !== undefined && nonEmpty(env[envName]) !== undefined) {
    source = envName;
    n = /^\d+$/.test(env[envName]!.trim()) ? Number(env[envName]!.trim()) : NaN;
  }
  if (n === undefined) return LIMITS[name].default;
  if (!Number.isInteger(n) || n < min || n > max)
    throw configError(provider, `${source} must be a whole number from ${min} to ${max}`);
  return n;
}

function httpUrl(provider: LlmProviderName, name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(provider, `${name} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw configError(provider, `${name} must be an http or https URL`);
  if (url.username !== '' || url.password !== '')
    throw configError(provider, `${name} must not carry credentials; use apiKey`);
  if (url.search !== '' || url.hash !== '')
    throw configError(provider, `${name} must not have a query or fragment`);
  return url.href.replace(/\/+$/, '');
}

function common(provider: LlmProviderName, model: string, config: ProviderConfig, env: Env): ResolvedCommon {
  const baseDelayMs = integer(provider, 'baseDelayMs', config.baseDelayMs, undefined, env);
  const maxDelayMs = integer(provider, 'maxDelayMs', config.maxDelayMs, undefined, env);
  if (maxDelayMs < baseDelayMs)
    throw configError(provider, 'maxDelayMs must not be smaller than baseDelayMs');
  return {
    provider,
    model,
    timeoutMs: integer(provider, 'timeoutMs', config.timeoutMs, 'GRANTFLOW_LLM_TIMEOUT_MS', env),
    maxRetries: integer(provider, 'maxRetries', config.maxRetries, 'GRANTFLOW_LLM_MAX_RETRIES', env),
    baseDelayMs,
    maxDelayMs,
    maxRetryAfterMs: integer(provider, 'maxRetryAfterMs', config.maxRetryAfterMs, undefined, env),
    maxResponseBytes: integer(provider, 'maxResponseBytes', config.maxResponseBytes, undefined, env),
    onRetry: config.onRetry,
  };
}

export function resolveBedrockConfig(
  provider: 'bedrock' | 'bedrock-converse',
  config: ProviderConfig,
  env: Env,
): ResolvedBedrockConfig {
  const model = nonEmpty(config.model) ?? nonEmpty(env.GRANTFLOW_BEDROCK_MODEL_ID) ?? DEFAULT_BEDROCK_MODEL;
  const region =
    nonEmpty(config.region) ??
    nonEmpty(env.GRANTFLOW_BEDROCK_REGION) ??
    nonEmpty(env.AWS_REGION) ??
    nonEmpty(env.AWS_DEFAULT_REGION) ??
    DEFAULT_BEDROCK_REGION;
  if (!/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(region))
    throw configError(provider, `region ${JSON.stringify(region)} is not an AWS region name`);
  const endpointValue = nonEmpty(config.endpoint) ?? nonEmpty(env.GRANTFLOW_BEDROCK_ENDPOINT);
  return {
    ...common(provider, model, config, env),
    region,
    endpoint: endpointValue === undefined ? undefined : httpUrl(provider, 'endpoint', endpointValue),
    credentials: config.credentials,
    profile: nonEmpty(config.profile),
  };
}

export function resolveAnthropicConfig(config: ProviderConfig, env: Env): ResolvedHttpConfig {
  const apiKey = nonEmpty(config.apiKey) ?? nonEmpty(env.ANTHROPIC_API_KEY);
  if (apiKey === undefined) throw configError('anthropic', 'no API key: set apiKey or ANTHROPIC_API_KEY');
  const baseURL = nonEmpty(config.baseURL) ?? nonEmpty(env.ANTHROPIC_BASE_URL) ?? DEFAULT_ANTHROPIC_BASE_URL;
  const model = nonEmpty(config.model) ?? nonEmpty(env.GRANTFLOW_ANTHROPIC_MODEL) ?? DEFAULT_ANTHROPIC_MODEL;
  return {
    ...common('anthropic', model, config, env),
    apiKey,
    baseURL: httpUrl('anthropic', 'baseURL', baseURL),
  };
}

export function resolveOpenAiConfig(config: ProviderConfig, env: Env): ResolvedOpenAiConfig {
  const baseURL = httpUrl(
    'openai',
    'baseURL',
    nonEmpty(config.baseURL) ?? nonEmpty(env.OPENAI_BASE_URL) ?? DEFAULT_OPENAI_BASE_URL,
  );
  const isOpenAi = new URL(baseURL).hostname === 'api.openai.com';
  const apiKey = nonEmpty(config.apiKey) ?? nonEmpty(env.OPENAI_API_KEY);
  if (isOpenAi && apiKey === undefined)
    throw configError('openai', 'no API key: set apiKey or OPENAI_API_KEY');
  const model =
    nonEmpty(config.model) ??
    nonEmpty(env.GRANTFLOW_OPENAI_MODEL) ??
    (isOpenAi ? DEFAULT_OPENAI_MODEL : undefined);
  if (model === undefined)
    throw configError(
      'openai',
      `no model for ${baseURL}: set model or GRANTFLOW_OPENAI_MODEL (e.g. the name the server lists)`,
    );
  return {
    ...common('openai', model, config, env),
    apiKey,
    baseURL,
    tokenLimitField: config.tokenLimitField ?? (isOpenAi ? 'max_completion_tokens' : 'max_tokens'),
  };
}
