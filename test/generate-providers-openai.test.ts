// The OpenAI-compatible provider against a fake chat completions server on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { LlmError } from '../src/generate/llm.ts';
import type { CompletionRequest } from '../src/generate/llm.ts';
import { createProvider } from '../src/generate/providers/index.ts';
import type { ProviderConfig, RetryEvent } from '../src/generate/providers/index.ts';
import { parseReply } from '../src/generate/reply.ts';
import { chatCompletion, openaiError, openaiText, startOpenAiFake } from './fakes/openai.ts';
import { delayed } from './fakes/scripted-server.ts';
import type { ScriptedServer } from './fakes/scripted-server.ts';

const KEY = 'sk-test-openai-0001';
const REQUEST: CompletionRequest = {
  system: 'You draft least-privilege IAM policies.',
  messages: [
    { role: 'user', content: 'I need to read objects under s3://reports/2026/.' },
    { role: 'assistant', content: '{"error": "which account?"}' },
    { role: 'user', content: 'Account 111122223333.' },
  ],
  maxTokens: 2048,
  temperature: 0.2,
};
const SCHEMA = {
  type: 'object',
  properties: {
    policy: { type: 'string' },
    policy_type: { type: 'string', enum: ['IDENTITY_POLICY', 'RESOURCE_POLICY'] },
    description: { type: 'string' },
  },
  required: ['policy', 'policy_type', 'description'],
  additionalProperties: false,
};
const STRUCTURED: CompletionRequest = {
  ...REQUEST,
  output: { name: 'policy_draft', description: 'The drafted policy', schema: SCHEMA },
};
const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::reports/2026/*' }],
};
const DRAFT = {
  policy: JSON.stringify(POLICY),
  policy_type: 'IDENTITY_POLICY',
  description: 'Read 2026 reports',
};

let fake: ScriptedServer;
afterEach(async () => {
  await fake.close();
});

async function start(options: { apiKey?: string; prefix?: string } = { apiKey: KEY }) {
  fake = await startOpenAiFake(options);
  return fake;
}

function provider(config: ProviderConfig = {}) {
  return createProvider(
    'openai',
    { apiKey: KEY, baseURL: `${fake.url}/v1`, model: 'gpt-test', baseDelayMs: 1, maxDelayMs: 4, ...config },
    {},
  );
}

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LlmError);
  return err as LlmError;
}

describe('openai: request', () => {
  it('POSTs chat completions with a Bearer key, the system message first', async () => {
    await start();
    fake.enqueue(openaiText('ok'));
    await provider().complete(REQUEST);
    const [sent] = fake.requests;
    expect(sent!.rejected).toBeUndefined();
    expect(sent!.url).toBe('/v1/chat/completions');
    expect(sent!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent!.json).toEqual({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'You draft least-privilege IAM policies.' },
        { role: 'user', content: 'I need to read objects under s3://reports/2026/.' },
        { role: 'assistant', content: '{"error": "which account?"}' },
        { role: 'user', content: 'Account 111122223333.' },
      ],
      max_tokens: 2048,
      temperature: 0.2,
    });
  });

  it('asks for structured output with response_format json_schema, strict by default', async () => {
    await start();
    fake.enqueue(openaiText(JSON.stringify(DRAFT)), openaiText(JSON.stringify(DRAFT)));
    await provider().complete(STRUCTURED);
    expect((fake.requests[0]!.json as Record<string, unknown>).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'policy_draft', description: 'The drafted policy', schema: SCHEMA, strict: true },
    });
    await provider().complete({ ...STRUCTURED, output: { ...STRUCTURED.output!, strict: false } });
    const format = (fake.requests[1]!.json as { response_format: { json_schema: { strict: boolean } } })
      .response_format;
    expect(format.json_schema.strict).toBe(false);
  });

  it('sends max_completion_tokens when configured to, as api.openai.com models need', async () => {
    await start();
    fake.enqueue(openaiText('ok'));
    await provider({ tokenLimitField: 'max_completion_tokens' }).complete(REQUEST);
    const body = fake.requests[0]!.json as Record<string, unknown>;
    expect(body.max_completion_tokens).toBe(2048);
    expect(body).not.toHaveProperty('max_tokens');
  });

  it('sends no Authorization header to a local server without a key, under any path prefix', async () => {
    await start({ prefix: '/ollama/v1' });
    fake.enqueue(openaiText('ok'));
    const p = createProvider('openai', { baseURL: `${fake.url}/ollama/v1/`, model: 'llama3.1:8b' }, {});
    expect((await p.complete(REQUEST)).text).toBe('ok');
    expect(fake.requests[0]!.url).toBe('/ollama/v1/chat/completions');
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('takes the base URL, key and model from the environment', async () => {
    await start();
    fake.enqueue(openaiText('ok'));
    const p = createProvider(
      'openai',
      { baseDelayMs: 1 },
      {
        OPENAI_BASE_URL: `${fake.url}/v1`,
        OPENAI_API_KEY: KEY,
        GRANTFLOW_OPENAI_MODEL: 'qwen2.5:14b',
      },
    );
    expect(p.model).toBe('qwen2.5:14b');
    await p.complete(REQUEST);
    expect((fake.requests[0]!.json as { model: string }).model).toBe('qwen2.5:14b');
    expect(fake.requests[0]!.rejected).toBeUndefined();
  });
});

describe('openai: replies', () => {
  it('returns the text, stop reason, usage and model', async () => {
    await start();
    fake.enqueue(
      openaiText('hello', { model: 'gpt-test-2026', usage: { prompt_tokens: 9, completion_tokens: 2 } }),
    );
    const c = await provider().complete(REQUEST);
    expect(c).toMatchObject({
      text: 'hello',
      stopReason: 'end_turn',
      providerStopReason: 'stop',
      usage: { inputTokens: 9, outputTokens: 2 },
      model: 'gpt-test-2026',
    });
    expect(c.structured).toBeUndefined();
  });

  it('parses JSON content as structured output when structured output was asked for', async () => {
    await start();
    fake.enqueue(openaiText(JSON.stringify(DRAFT)));
    const c = await provider().complete(STRUCTURED);
    expect(c.structured).toEqual(DRAFT);
    expect(parseReply(c)).toMatchObject({ kind: 'draft', policy: POLICY, description: 'Read 2026 reports' });
  });

  it('leaves non-JSON content as text for the reply parser (servers that ignore the schema)', async () => {
    await start();
    fake.enqueue(openaiText('Sure!\n```json\n' + JSON.stringify(DRAFT) + '\n```'));
    const c = await provider().complete(STRUCTURED);
    expect(c.structured).toBeUndefined();
    expect(parseReply(c)).toMatchObject({ kind: 'draft', policy: POLICY });
  });

  it('reports a refusal as such, with no structured output', async () => {
    await start();
    fake.enqueue(openaiText(null, { refusal: 'I cannot help with granting admin access.' }));
    const c = await provider().complete(STRUCTURED);
    expect(c).toMatchObject({ stopReason: 'refusal', text: 'I cannot help with granting admin access.' });
    expect(c.structured).toBeUndefined();
  });

  it('maps finish_reason length and content_filter', async () => {
    await start();
    fake.enqueue(
      openaiText('{"policy": "{', { finishReason: 'length' }),
      openaiText('', { finishReason: 'content_filter' }),
    );
    const cut = await provider().complete(STRUCTURED);
    expect(cut.stopReason).toBe('max_tokens');
    expect(parseReply(cut)).toMatchObject({ kind: 'unparseable', code: 'TRUNCATED' });
    expect((await provider().complete(REQUEST)).stopReason).toBe('content_filter');
  });

  it('treats malformed or misshapen bodies as bad responses, without retrying', async () => {
    await start();
    const bodies = [
      { kind: 'raw' as const, body: '{"choices": [{"message": ' },
      { kind: 'raw' as const, body: '<html>Bad gateway</html>' },
      { kind: 'json' as const, body: { object: 'chat.completion' } },
      { kind: 'json' as const, body: { choices: [] } },
      {
        kind: 'json' as const,
        body: { ...chatCompletion(null), choices: [{ index: 0, message: { content: 42 } }] },
      },
    ];
    for (const scripted of bodies) {
      fake.enqueue(scripted);
      const err = await failure(provider().complete(REQUEST));
      expect(err.code, JSON.stringify(scripted)).toBe('LLM_BAD_RESPONSE');
    }
    expect(fake.requests).toHaveLength(bodies.length);
  });

  it('retries a reply cut off mid-body', async () => {
    await start();
    const full = JSON.stringify(chatCompletion('x'.repeat(300)));
    fake.enqueue({ kind: 'cut', body: full, sendBytes: 50 }, openaiText('whole'));
    expect((await provider().complete(REQUEST)).text).toBe('whole');
  });

  it('gives LLM_TIMEOUT for a reply slower than the timeout', async () => {
    await start();
    fake.enqueue(delayed(openaiText('late'), 600));
    const err = await failure(provider({ timeoutMs: 150 }).complete(REQUEST));
    expect(err.code).toBe('LLM_TIMEOUT');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('openai: errors', () => {
  it('gives LLM_AUTH for a wrong or missing key', async () => {
    await start();
    const wrong = await failure(provider({ apiKey: 'sk-wrong' }).complete(REQUEST));
    expect(wrong).toMatchObject({ code: 'LLM_AUTH', status: 401, providerCode: 'invalid_api_key' });
    const none = await failure(
      createProvider('openai', { baseURL: `${fake.url}/v1`, model: 'gpt-test' }, {}).complete(REQUEST),
    );
    expect(none.code).toBe('LLM_AUTH');
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a 429 rate limit, honouring retry-after-ms', async () => {
    await start();
    const events: RetryEvent[] = [];
    fake.enqueue(
      openaiError(429, 'requests', 'rate_limit_exceeded', 'Rate limit reached', { 'retry-after-ms': '30' }),
      openaiText('ok'),
    );
    expect((await provider({ onRetry: (e) => events.push(e) }).complete(REQUEST)).text).toBe('ok');
    expect(events[0]).toMatchObject({ delayMs: 30, fromRetryAfter: true });
    expect(events[0]!.error.providerCode).toBe('rate_limit_exceeded');
  });

  it('gives LLM_THROTTLED when the rate limit outlasts the retries', async () => {
    await start();
    fake.enqueue(
      ...Array.from({ length: 3 }, () => openaiError(429, 'requests', 'rate_limit_exceeded', 'Rate limit')),
    );
    const err = await failure(provider({ maxRetries: 2 }).complete(REQUEST));
    expect(err).toMatchObject({ code: 'LLM_THROTTLED', attempts: 3, status: 429 });
  });

  it('does not retry insufficient_quota, which waiting cannot fix', async () => {
    await start();
    fake.enqueue(
      openaiError(429, 'insufficient_quota', 'insufficient_quota', 'You exceeded your current quota'),
    );
    const err = await failure(provider().complete(REQUEST));
    expect(err).toMatchObject({ code: 'LLM_HTTP_ERROR', attempts: 1, providerCode: 'insufficient_quota' });
  });

  it('retries a 503, then succeeds', async () => {
    await start();
    fake.enqueue(openaiError(503, 'server_error', null, 'overloaded'), openaiText('ok'));
    expect((await provider().complete(REQUEST)).text).toBe('ok');
    expect(fake.requests).toHaveLength(2);
  });

  it('reads the error shapes of vLLM and Ollama too', async () => {
    await start();
    fake.enqueue(
      {
        kind: 'json',
        status: 400,
        body: { object: 'error', message: 'max_tokens is too large', type: 'BadRequestError', code: 400 },
      },
      { kind: 'json', status: 404, body: { error: 'model "llama9" not found, try pulling it first' } },
    );
    const vllm = await failure(provider().complete(REQUEST));
    expect(vllm).toMatchObject({
      code: 'LLM_HTTP_ERROR',
      providerCode: '400',
      providerMessage: 'max_tokens is too large',
    });
    const ollama = await failure(provider().complete(REQUEST));
    expect(ollama).toMatchObject({
      status: 404,
      providerMessage: 'model "llama9" not found, try pulling it first',
    });
  });

  it('gives LLM_NETWORK when nothing listens at the base URL', async () => {
    await start();
    const url = fake.url;
    await fake.close();
    const err = await failure(
      createProvider(
        'openai',
        { baseURL: `${url}/v1`, model: 'm', maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 },
        {},
      ).complete(REQUEST),
    );
    expect(err.code).toBe('LLM_NETWORK');
    expect(err.attempts).toBe(2);
  });
});
