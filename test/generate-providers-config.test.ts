// Provider configuration (plain object first, environment second, defaults last) and the retry
// arithmetic shared by all providers. Nothing here opens a connection.
import { describe, expect, it } from 'vitest';
import { LlmError, LLM_PROVIDER_NAMES } from '../src/generate/llm.ts';
import {
  resolveAnthropicConfig,
  resolveBedrockConfig,
  resolveOpenAiConfig,
} from '../src/generate/providers/config.ts';
import {
  backoffDelay,
  createProvider,
  DEFAULT_ANTHROPIC_MODEL,
  DEFAULT_BEDROCK_MODEL,
  DEFAULT_BEDROCK_REGION,
  isLlmProviderName,
  parseRetryAfter,
} from '../src/generate/providers/index.ts';

function configError(run: () => unknown): LlmError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).code).toBe('LLM_CONFIG');
    return err as LlmError;
  }
  throw new Error('expected an LLM_CONFIG error');
}

describe('createProvider', () => {
  it('creates each named provider', () => {
    const env = { ANTHROPIC_API_KEY: 'k', OPENAI_API_KEY: 'k' };
    for (const name of LLM_PROVIDER_NAMES) expect(createProvider(name, {}, env).name).toBe(name);
  });

  it('refuses an unknown provider name', () => {
    expect(configError(() => createProvider('offline' as never, {}, {})).message).toContain(
      'unknown LLM provider',
    );
    expect(isLlmProviderName('openai')).toBe(true);
    expect(isLlmProviderName('offline')).toBe(false);
  });
});

describe('bedrock configuration', () => {
  it("defaults to the seed's model and region", () => {
    const c = resolveBedrockConfig('bedrock', {}, {});
    expect(c.model).toBe(DEFAULT_BEDROCK_MODEL);
    expect(c.model).toBe('anthropic.claude-3-5-sonnet-20240620-v1:0');
    expect(c.region).toBe(DEFAULT_BEDROCK_REGION);
    expect(c.region).toBe('ap-northeast-2');
    expect(c.endpoint).toBeUndefined();
  });

  it('takes the region from config, then GRANTFLOW_BEDROCK_REGION, AWS_REGION, AWS_DEFAULT_REGION', () => {
    const env = {
      GRANTFLOW_BEDROCK_REGION: 'us-west-2',
      AWS_REGION: 'eu-central-1',
      AWS_DEFAULT_REGION: 'ap-south-1',
    };
    expect(resolveBedrockConfig('bedrock', { region: 'us-east-1' }, env).region).toBe('us-east-1');
    expect(resolveBedrockConfig('bedrock', {}, env).region).toBe('us-west-2');
    expect(resolveBedrockConfig('bedrock', {}, { ...env, GRANTFLOW_BEDROCK_REGION: '' }).region).toBe(
      'eu-central-1',
    );
    expect(resolveBedrockConfig('bedrock', {}, { AWS_DEFAULT_REGION: 'ap-south-1' }).region).toBe(
      'ap-south-1',
    );
  });

  it('takes the model id and endpoint from the environment when the config has none', () => {
    const env = {
      GRANTFLOW_BEDROCK_MODEL_ID: 'amazon.nova-lite-v1:0',
      GRANTFLOW_BEDROCK_ENDPOINT: 'https://vpce.example/',
    };
    const c = resolveBedrockConfig('bedrock-converse', {}, env);
    expect(c.model).toBe('amazon.nova-lite-v1:0');
    expect(c.endpoint).toBe('https://vpce.example');
    expect(resolveBedrockConfig('bedrock', { model: 'm' }, env).model).toBe('m');
  });

  it('refuses a region that is not a region name and an endpoint that is not an http URL', () => {
    configError(() => resolveBedrockConfig('bedrock', { region: 'Seoul' }, {}));
    configError(() => resolveBedrockConfig('bedrock', { endpoint: 'not a url' }, {}));
    configError(() => resolveBedrockConfig('bedrock', { endpoint: 'ftp://host/' }, {}));
  });
});

describe('anthropic configuration', () => {
  it('needs an API key, from config or ANTHROPIC_API_KEY', () => {
    expect(configError(() => resolveAnthropicConfig({}, {})).message).toContain('ANTHROPIC_API_KEY');
    const c = resolveAnthropicConfig({}, { ANTHROPIC_API_KEY: 'sk-env' });
    expect(c.apiKey).toBe('sk-env');
    expect(c.model).toBe(DEFAULT_ANTHROPIC_MODEL);
    expect(c.baseURL).toBe('https://api.anthropic.com');
    expect(resolveAnthropicConfig({ apiKey: 'sk-config' }, { ANTHROPIC_API_KEY: 'sk-env' }).apiKey).toBe(
      'sk-config',
    );
  });

  it('takes the base URL and model from the environment', () => {
    const c = resolveAnthropicConfig(
      {},
      {
        ANTHROPIC_API_KEY: 'k',
        ANTHROPIC_BASE_URL: 'http://gateway.internal:8080/',
        GRANTFLOW_ANTHROPIC_MODEL: 'claude-x',
      },
    );
    expect(c.baseURL).toBe('http://gateway.internal:8080');
    expect(c.model).toBe('claude-x');
  });

  it('refuses a base URL with credentials, a query or another scheme', () => {
    for (const baseURL of [
      'https://user:pw@api.example',
      'https://api.example/?key=1',
      'file:///etc/passwd',
    ]) {
      configError(() => resolveAnthropicConfig({ apiKey: 'k', baseURL }, {}));
    }
  });
});

describe('openai configuration', () => {
  it('needs a key for api.openai.com and then uses max_completion_tokens and a default model', () => {
    expect(configError(() => resolveOpenAiConfig({}, {})).message).toContain('OPENAI_API_KEY');
    const c = resolveOpenAiConfig({}, { OPENAI_API_KEY: 'sk' });
    expect(c.baseURL).toBe('https://api.openai.com/v1');
    expect(c.tokenLimitField).toBe('max_completion_tokens');
    expect(c.model).toBe('gpt-4.1');
  });

  it('needs no key but a model for another server, and uses max_tokens there', () => {
    const env = { OPENAI_BASE_URL: 'http://localhost:11434/v1' };
    expect(configError(() => resolveOpenAiConfig({}, env)).message).toContain('GRANTFLOW_OPENAI_MODEL');
    const c = resolveOpenAiConfig({ model: 'llama3.1:8b' }, env);
    expect(c.apiKey).toBeUndefined();
    expect(c.tokenLimitField).toBe('max_tokens');
    expect(
      resolveOpenAiConfig({ model: 'm', tokenLimitField: 'max_completion_tokens' }, env).tokenLimitField,
    ).toBe('max_completion_tokens');
  });
});

describe('timeouts and retries configuration', () => {
  it('defaults to 120 s per attempt and 3 retries', () => {
    const c = resolveAnthropicConfig({ apiKey: 'k' }, {});
    expect(c).toMatchObject({ timeoutMs: 120_000, maxRetries: 3, baseDelayMs: 500, maxDelayMs: 20_000 });
  });

  it('reads GRANTFLOW_LLM_TIMEOUT_MS and GRANTFLOW_LLM_MAX_RETRIES, with config values winning', () => {
    const env = { ANTHROPIC_API_KEY: 'k', GRANTFLOW_LLM_TIMEOUT_MS: '30000', GRANTFLOW_LLM_MAX_RETRIES: '0' };
    expect(resolveAnthropicConfig({}, env)).toMatchObject({ timeoutMs: 30_000, maxRetries: 0 });
    expect(resolveAnthropicConfig({ timeoutMs: 5000, maxRetries: 2 }, env)).toMatchObject({
      timeoutMs: 5000,
      maxRetries: 2,
    });
  });

  it('names the setting that is out of range or not a number', () => {
    expect(
      configError(() =>
        resolveAnthropicConfig({}, { ANTHROPIC_API_KEY: 'k', GRANTFLOW_LLM_TIMEOUT_MS: '30s' }),
      ).message,
    ).toContain('GRANTFLOW_LLM_TIMEOUT_MS');
    expect(configError(() => resolveAnthropicConfig({ apiKey: 'k', maxRetries: 50 }, {})).message).toContain(
      'maxRetries',
    );
    configError(() => resolveAnthropicConfig({ apiKey: 'k', timeoutMs: 0 }, {}));
    configError(() => resolveAnthropicConfig({ apiKey: 'k', timeoutMs: 1.5 }, {}));
    configError(() => resolveAnthropicConfig({ apiKey: 'k', baseDelayMs: 1000, maxDelayMs: 10 }, {}));
  });
});

describe('backoffDelay', () => {
  it('doubles from the base delay, with jitter in the upper half of each step', () => {
    expect(backoffDelay(1, 500, 20_000, () => 0)).toBe(250);
    expect(backoffDelay(1, 500, 20_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 20_000, () => 0)).toBe(1000);
    expect(backoffDelay(3, 500, 20_000, () => 1)).toBe(2000);
  });

  it('never exceeds the maximum delay', () => {
    expect(backoffDelay(30, 500, 20_000, () => 1)).toBe(20_000);
    expect(backoffDelay(30, 500, 20_000, () => 0)).toBe(10_000);
  });
});

describe('parseRetryAfter', () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];

  it('reads seconds, milliseconds and HTTP dates', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '7' }))).toBe(7000);
    expect(parseRetryAfter(headers({ 'retry-after': '0.5' }))).toBe(500);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '7' }))).toBe(250);
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfter(headers({ 'retry-after': 'Sun, 22 Nov 2026 10:00:30 GMT' }), now)).toBe(30_000);
    expect(parseRetryAfter(headers({ 'retry-after': 'Sun, 22 Nov 2026 09:00:00 GMT' }), now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(headers({}))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': '-3' }))).toBeUndefined();
  });
});
