// The Anthropic provider against a fake Messages API on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmError } from '../src/generate/llm.ts';
import type { CompletionRequest } from '../src/generate/llm.ts';
import { createProvider } from '../src/generate/providers/index.ts';
import type { ProviderConfig, RetryEvent } from '../src/generate/providers/index.ts';
import { parseReply } from '../src/generate/reply.ts';
import {
  anthropicError,
  anthropicMessage,
  anthropicText,
  anthropicToolUse,
  startAnthropicFake,
} from './fakes/anthropic.ts';
import { delayed } from './fakes/scripted-server.ts';
import type { ScriptedServer } from './fakes/scripted-server.ts';

const KEY = 'sk-ant-test-0001';
const REQUEST: CompletionRequest = {
  system: 'You draft least-privilege IAM policies.',
  messages: [
    { role: 'user', content: 'Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다.' },
  ],
  maxTokens: 4096,
  temperature: 0,
};
const SCHEMA = {
  type: 'object',
  properties: {
    policy: { type: 'string' },
    policy_type: { type: 'string', enum: ['IDENTITY_POLICY', 'RESOURCE_POLICY'] },
    description: { type: 'string' },
  },
  required: ['policy', 'policy_type', 'description'],
};
const STRUCTURED: CompletionRequest = {
  ...REQUEST,
  output: { name: 'submit_policy', description: 'Submit the drafted policy', schema: SCHEMA },
};
const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'translate:TranslateText', Resource: '*' }],
};
const DRAFT = {
  policy: JSON.stringify(POLICY),
  policy_type: 'IDENTITY_POLICY',
  description: 'Translate only',
};

let fake: ScriptedServer;
beforeEach(async () => {
  fake = await startAnthropicFake({ apiKey: KEY });
});
afterEach(async () => {
  await fake.close();
});

function provider(config: ProviderConfig = {}) {
  return createProvider(
    'anthropic',
    { apiKey: KEY, baseURL: fake.url, model: 'claude-test', baseDelayMs: 1, maxDelayMs: 4, ...config },
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

describe('anthropic: request', () => {
  it('POSTs the Messages body with the API key and version headers', async () => {
    fake.enqueue(anthropicText('ok'));
    await provider().complete(REQUEST);
    const [sent] = fake.requests;
    expect(sent!.rejected).toBeUndefined();
    expect(sent!.method).toBe('POST');
    expect(sent!.url).toBe('/v1/messages');
    expect(sent!.headers['x-api-key']).toBe(KEY);
    expect(sent!.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent!.headers['content-type']).toBe('application/json');
    expect(sent!.json).toEqual({
      model: 'claude-test',
      max_tokens: 4096,
      system: 'You draft least-privilege IAM policies.',
      temperature: 0,
      messages: [{ role: 'user', content: [{ type: 'text', text: REQUEST.messages[0]!.content }] }],
    });
  });

  it('asks for structured output with one tool and a tool_choice that forces it', async () => {
    fake.enqueue(anthropicToolUse('submit_policy', DRAFT));
    await provider().complete(STRUCTURED);
    const body = fake.requests[0]!.json as Record<string, unknown>;
    expect(body.tools).toEqual([
      { name: 'submit_policy', description: 'Submit the drafted policy', input_schema: SCHEMA },
    ]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'submit_policy' });
  });

  it('sends no system, temperature or tools when the request has none', async () => {
    fake.enqueue(anthropicText('ok'));
    await provider().complete({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 10 });
    expect(Object.keys(fake.requests[0]!.json as object).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });

  it('refuses a malformed request before sending anything', async () => {
    const p = provider();
    await expect(p.complete({ ...REQUEST, maxTokens: 0 })).rejects.toThrow(TypeError);
    await expect(p.complete({ ...REQUEST, messages: [] })).rejects.toThrow(TypeError);
    await expect(
      p.complete({ ...STRUCTURED, output: { ...STRUCTURED.output!, name: 'has space' } }),
    ).rejects.toThrow(TypeError);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('anthropic: replies', () => {
  it('returns the text, stop reason, usage and model of a normal reply', async () => {
    fake.enqueue(
      anthropicText('hello', { model: 'claude-test-20260101', usage: { input_tokens: 7, output_tokens: 3 } }),
    );
    const c = await provider().complete(REQUEST);
    expect(c).toMatchObject({
      text: 'hello',
      stopReason: 'end_turn',
      providerStopReason: 'end_turn',
      usage: { inputTokens: 7, outputTokens: 3 },
      model: 'claude-test-20260101',
    });
    expect(c.structured).toBeUndefined();
  });

  it('returns the tool input as structured output, which the reply parser reads as a draft', async () => {
    fake.enqueue(anthropicToolUse('submit_policy', DRAFT, { preamble: 'Here it is.' }));
    const c = await provider().complete(STRUCTURED);
    expect(c.structured).toEqual(DRAFT);
    expect(c.text).toBe('Here it is.');
    expect(c.stopReason).toBe('tool_use');
    expect(parseReply(c)).toMatchObject({ kind: 'draft', policy: POLICY, policyType: 'IDENTITY_POLICY' });
  });

  it('ignores a tool call to a tool it did not ask for', async () => {
    fake.enqueue(anthropicToolUse('other_tool', { x: 1 }));
    const c = await provider().complete(STRUCTURED);
    expect(c.structured).toBeUndefined();
  });

  it('reports a reply cut at the token limit', async () => {
    fake.enqueue(anthropicText('{"policy": "{\\"Version', { stopReason: 'max_tokens' }));
    const c = await provider().complete(REQUEST);
    expect(c.stopReason).toBe('max_tokens');
    expect(parseReply(c)).toMatchObject({ kind: 'unparseable', code: 'TRUNCATED' });
  });

  it('treats a body that is not JSON as a bad response and does not retry it', async () => {
    fake.enqueue({ kind: 'raw', body: '{"type": "message", "content": [' });
    const err = await failure(provider().complete(REQUEST));
    expect(err.code).toBe('LLM_BAD_RESPONSE');
    expect(err.attempts).toBe(1);
    expect(fake.requests).toHaveLength(1);
  });

  it('treats JSON that is not a message as a bad response', async () => {
    for (const body of [
      { ok: true },
      { type: 'message', content: 'text' },
      { ...anthropicMessage([]), content: [42] },
    ]) {
      fake.enqueue({ kind: 'json', body });
      expect((await failure(provider().complete(REQUEST))).code).toBe('LLM_BAD_RESPONSE');
    }
  });

  it('refuses a reply larger than the configured limit', async () => {
    fake.enqueue(anthropicText('x'.repeat(5000)));
    const err = await failure(provider({ maxResponseBytes: 1024 }).complete(REQUEST));
    expect(err.code).toBe('LLM_BAD_RESPONSE');
    expect(err.message).toContain('1024');
  });

  it('retries a connection that broke off mid-body', async () => {
    const full = JSON.stringify(anthropicMessage([{ type: 'text', text: 'x'.repeat(200) }]));
    fake.enqueue({ kind: 'cut', body: full, sendBytes: 40 }, anthropicText('second time'));
    const c = await provider().complete(REQUEST);
    expect(c.text).toBe('second time');
    expect(fake.requests).toHaveLength(2);
  });

  it('gives LLM_NETWORK when the connection keeps breaking', async () => {
    const full = JSON.stringify(anthropicMessage([{ type: 'text', text: 'x'.repeat(200) }]));
    fake.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'cut' as const, body: full, sendBytes: 40 })));
    const err = await failure(provider({ maxRetries: 2 }).complete(REQUEST));
    expect(err.code).toBe('LLM_NETWORK');
    expect(err.attempts).toBe(3);
  });

  it('does not follow redirects, so the API key stays with the configured host', async () => {
    fake.enqueue({
      kind: 'raw',
      status: 307,
      body: '',
      headers: { location: 'http://127.0.0.1:9/v1/messages' },
    });
    const err = await failure(provider().complete(REQUEST));
    expect(err.code).toBe('LLM_HTTP_ERROR');
    expect(err.status).toBe(307);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('anthropic: timeouts', () => {
  it('gives LLM_TIMEOUT when no reply comes within the timeout, without retrying', async () => {
    fake.enqueue({ kind: 'hang' });
    const err = await failure(provider({ timeoutMs: 150 }).complete(REQUEST));
    expect(err.code).toBe('LLM_TIMEOUT');
    expect(err.attempts).toBe(1);
    expect(fake.requests).toHaveLength(1);
  });

  it('gives LLM_TIMEOUT for a reply slower than the timeout', async () => {
    fake.enqueue(delayed(anthropicText('late'), 600));
    expect((await failure(provider({ timeoutMs: 150 }).complete(REQUEST))).code).toBe('LLM_TIMEOUT');
  });

  it('accepts a slow reply within the timeout', async () => {
    fake.enqueue(delayed(anthropicText('in time'), 50));
    expect((await provider({ timeoutMs: 2000 }).complete(REQUEST)).text).toBe('in time');
  });

  it('retries a 408 from the server and reports LLM_TIMEOUT when it persists', async () => {
    fake.enqueue(
      anthropicError(408, 'timeout_error', 'took too long'),
      anthropicError(408, 'timeout_error', 'again'),
    );
    const err = await failure(provider({ maxRetries: 1 }).complete(REQUEST));
    expect(err.code).toBe('LLM_TIMEOUT');
    expect(err.attempts).toBe(2);
  });
});

describe('anthropic: throttling and server errors', () => {
  it('retries a 429 rate_limit_error, then succeeds', async () => {
    const events: RetryEvent[] = [];
    fake.enqueue(anthropicError(429, 'rate_limit_error', 'slow down'), anthropicText('ok'));
    const c = await provider({ onRetry: (e) => events.push(e) }).complete(REQUEST);
    expect(c.text).toBe('ok');
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.body).toBe(fake.requests[0]!.body);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ provider: 'anthropic', attempt: 1, fromRetryAfter: false });
    expect(events[0]!.error.providerCode).toBe('rate_limit_error');
  });

  it('retries a 529 overloaded_error, then succeeds', async () => {
    fake.enqueue(anthropicError(529, 'overloaded_error', 'Overloaded'), anthropicText('ok'));
    expect((await provider().complete(REQUEST)).text).toBe('ok');
  });

  it('gives LLM_THROTTLED when throttling outlasts the retries', async () => {
    fake.enqueue(...Array.from({ length: 4 }, () => anthropicError(429, 'rate_limit_error', 'slow down')));
    const err = await failure(provider({ maxRetries: 3 }).complete(REQUEST));
    expect(err.code).toBe('LLM_THROTTLED');
    expect(err.attempts).toBe(4);
    expect(err.status).toBe(429);
    expect(err.providerCode).toBe('rate_limit_error');
    expect(err.providerMessage).toBe('slow down');
    expect(err.requestId).toMatch(/^req_/);
    expect(fake.requests).toHaveLength(4);
  });

  it('waits as long as Retry-After says', async () => {
    const events: RetryEvent[] = [];
    fake.enqueue(
      anthropicError(429, 'rate_limit_error', 'slow down', { 'retry-after': '1' }),
      anthropicText('ok'),
    );
    const started = Date.now();
    await provider({ onRetry: (e) => events.push(e) }).complete(REQUEST);
    expect(events[0]).toMatchObject({ delayMs: 1000, fromRetryAfter: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('stops at once when Retry-After asks for more than it may wait', async () => {
    fake.enqueue(anthropicError(429, 'rate_limit_error', 'slow down', { 'retry-after': '120' }));
    const err = await failure(provider({ maxRetryAfterMs: 5000 }).complete(REQUEST));
    expect(err.code).toBe('LLM_THROTTLED');
    expect(err.retryAfterMs).toBe(120_000);
    expect(err.attempts).toBe(1);
  });

  it('does not retry a 429 for a spent budget', async () => {
    fake.enqueue({
      kind: 'json',
      status: 429,
      body: {
        type: 'error',
        error: {
          type: 'rate_limit_error',
          message: 'spend limit',
          details: { error_code: 'enforced_spend_limit_reached' },
        },
      },
    });
    const err = await failure(provider().complete(REQUEST));
    expect(err.code).toBe('LLM_HTTP_ERROR');
    expect(err.attempts).toBe(1);
  });

  it('retries a 500, then succeeds; reports LLM_HTTP_ERROR when 5xx persists', async () => {
    fake.enqueue(anthropicError(500, 'api_error', 'internal'), anthropicText('ok'));
    expect((await provider().complete(REQUEST)).text).toBe('ok');
    fake.enqueue(
      anthropicError(500, 'api_error', 'internal'),
      anthropicError(503, 'api_error', 'unavailable'),
    );
    const err = await failure(provider({ maxRetries: 1 }).complete(REQUEST));
    expect(err.code).toBe('LLM_HTTP_ERROR');
    expect(err.status).toBe(503);
    expect(err.attempts).toBe(2);
  });

  it('does not retry a 400 and passes the provider message on', async () => {
    fake.enqueue(anthropicError(400, 'invalid_request_error', 'messages: roles must alternate'));
    const err = await failure(provider().complete(REQUEST));
    expect(err.code).toBe('LLM_HTTP_ERROR');
    expect(err.status).toBe(400);
    expect(err.providerCode).toBe('invalid_request_error');
    expect(err.message).toContain('roles must alternate');
    expect(fake.requests).toHaveLength(1);
  });

  it('strips control characters from provider messages', async () => {
    fake.enqueue(anthropicError(400, 'invalid_request_error', 'bad\u001b[31m red\u0007'));
    const err = await failure(provider().complete(REQUEST));
    expect(err.providerMessage).toBe('bad [31m red');
  });
});

describe('anthropic: auth and cancellation', () => {
  it('gives LLM_AUTH for a wrong key, without retrying', async () => {
    const err = await failure(provider({ apiKey: 'sk-ant-wrong' }).complete(REQUEST));
    expect(err.code).toBe('LLM_AUTH');
    expect(err.status).toBe(401);
    expect(err.providerCode).toBe('authentication_error');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.rejected).toBeDefined();
  });

  it('gives LLM_AUTH for a 403 permission_error', async () => {
    fake.enqueue(anthropicError(403, 'permission_error', 'not allowed for this model'));
    expect((await failure(provider().complete(REQUEST))).code).toBe('LLM_AUTH');
  });

  it('rejects with the caller reason when aborted during a backoff wait', async () => {
    fake.enqueue(anthropicError(429, 'rate_limit_error', 'slow down', { 'retry-after': '5' }));
    const controller = new AbortController();
    const pending = provider({ onRetry: () => controller.abort(new Error('user cancelled')) }).complete(
      REQUEST,
      {
        signal: controller.signal,
      },
    );
    await expect(pending).rejects.toThrow('user cancelled');
    expect(fake.requests).toHaveLength(1);
  });

  it('rejects with the caller reason when aborted mid-request', async () => {
    fake.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop now')), 50);
    await expect(provider().complete(REQUEST, { signal: controller.signal })).rejects.toThrow('stop now');
  });

  it('sends nothing when the signal is already aborted', async () => {
    await expect(
      provider().complete(REQUEST, { signal: AbortSignal.abort(new Error('too late')) }),
    ).rejects.toThrow('too late');
    expect(fake.requests).toHaveLength(0);
  });
});
