// The LLM providers behind one factory. Each is configured from a plain object with environment
// fallbacks (see config.ts for the variables).
import { LlmError, LLM_PROVIDER_NAMES } from '../llm.ts';
import type { LlmProvider, LlmProviderName } from '../llm.ts';
import { createAnthropicProvider } from './anthropic.ts';
import { createBedrockConverseProvider } from './bedrock-converse.ts';
import { createBedrockProvider } from './bedrock.ts';
import type { Env, ProviderConfig } from './config.ts';
import { createOpenAiProvider } from './openai.ts';

const FACTORIES: Record<LlmProviderName, (config: ProviderConfig, env: Env) => LlmProvider> = {
  bedrock: createBedrockProvider,
  'bedrock-converse': createBedrockConverseProvider,
  anthropic: createAnthropicProvider,
  openai: createOpenAiProvider,
};

export function isLlmProviderName(name: string): name is LlmProviderName {
  return (LLM_PROVIDER_NAMES as readonly string[]).includes(name);
}

/**
 * Creates a provider. Configuration problems (no API key, no model for a custom OpenAI-compatible
 * server, a bad URL or number) throw LlmError LLM_CONFIG here, before any request is made.
 * `env` defaults to process.env; the AWS SDK reads its own variables from process.env regardless.
 */
export function createProvider(
  name: LlmProviderName,
  config: ProviderConfig = {},
  env: Env = process.env,
): LlmProvider {
  const factory = FACTORIES[name];
  if (!factory) {
    throw new LlmError(
      'LLM_CONFIG',
      `unknown LLM provider ${JSON.stringify(name)}; expected one of ${LLM_PROVIDER_NAMES.join(', ')}`,
      {
        provider: name,
      },
    );
  }
  return factory(config, env);
}

export {
  createAnthropicProvider,
  createBedrockProvider,
  createBedrockConverseProvider,
  createOpenAiProvider,
};
export {
  DEFAULT_ANTHROPIC_BASE_URL,
  DEFAULT_ANTHROPIC_MODEL,
  DEFAULT_BEDROCK_MODEL,
  DEFAULT_BEDROCK_REGION,
  DEFAULT_OPENAI_BASE_URL,
  DEFAULT_OPENAI_MODEL,
} from './config.ts';
export type { AwsCredentials, Env, ProviderConfig, RetryEvent } from './config.ts';
export { backoffDelay, parseRetryAfter } from './retry.ts';
