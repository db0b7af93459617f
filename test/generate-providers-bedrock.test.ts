// The Bedrock providers (InvokeModel with Claude's Anthropic body, and Converse) through the AWS
// SDK against a fake Bedrock Runtime on 127.0.0.1 that checks every SigV4 signature.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmError } from '../src/generate/llm.ts';
import type { CompletionRequest, LlmProviderName } from '../src/generate/llm.ts';
import { createProvider, DEFAULT_BEDROCK_MODEL } from '../src/generate/providers/index.ts';
import type { ProviderConfig } from '../src/generate/providers/index.ts';
import { parseReply } from '../src/generate/reply.ts';
import { anthropicMessage } from './fakes/anthropic.ts';
import {
  bedrockError,
  bedrockTarget,
  bedrockThrottled,
  converseText,
  converseToolUse,
  FAKE_AWS_CREDENTIALS,
  invokeText,
  invokeToolUse,
  startBedrockFake,
} from './fakes/bedrock.ts';
import { delayed } from './fakes/scripted-server.ts';
import type { Scripted, ScriptedServer } from './fakes/scripted-server.ts';

const SEED_MODEL_ARN =
  'arn:aws:bedrock:ap-northeast-2::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0';
const REQUEST: CompletionRequest = {
  system: 'You are a competent AWS security professional.',
  messages: [
    { role: 'user', content: '<requested-task>Translate, Transcribe를 사용하고 싶습니다.</requested-task>' },
  ],
  maxTokens: 4096,
  temperature: 0,
};
const SCHEMA = {
  type: 'object',
  properties: {
    policy: { type: 'string' },
    policy_type: { type: 'string' },
    description: { type: 'string' },
  },
  required: ['policy', 'policy_type', 'description'],
};
const STRUCTURED: CompletionRequest = {
  ...REQUEST,
  output: { name: 'submit_policy', description: 'Submit the drafted IAM policy', schema: SCHEMA },
};
const POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['translate:TranslateText', 'transcribe:ListTranscriptionJobs'],
      Resource: '*',
    },
  ],
};
const DRAFT = {
  policy: JSON.stringify(POLICY),
  policy_type: 'IDENTITY_POLICY',
  description: 'Console use of Translate and Transcribe',
};

let fake: ScriptedServer;
beforeEach(async () => {
  fake = await startBedrockFake({ region: 'ap-northeast-2' });
});
afterEach(async () => {
  await fake.close();
});

function provider(name: 'bedrock' | 'bedrock-converse', config: ProviderConfig = {}) {
  return createProvider(
    name,
    {
      region: 'ap-northeast-2',
      endpoint: fake.url,
      credentials: FAKE_AWS_CREDENTIALS,
      baseDelayMs: 1,
      maxDelayMs: 4,
      ...config,
    },
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

describe('bedrock (InvokeModel): request', () => {
  it("sends the seed's Anthropic body to the seed's default model, SigV4-signed for bedrock in the region", async () => {
    fake.enqueue(invokeText('ok'));
    const p = provider('bedrock');
    expect(p.model).toBe('anthropic.claude-3-5-sonnet-20240620-v1:0');
    await p.complete(REQUEST);
    const [sent] = fake.requests;
    expect(sent!.rejected).toBeUndefined();
    expect(bedrockTarget(sent!)).toEqual({ modelId: DEFAULT_BEDROCK_MODEL, operation: 'invoke' });
    expect(String(sent!.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAFAKEBEDROCK00001\/\d{8}\/ap-northeast-2\/bedrock\/aws4_request, /,
    );
    expect(sent!.json).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 4096,
      system: 'You are a competent AWS security professional.',
      temperature: 0,
      messages: [{ role: 'user', content: [{ type: 'text', text: REQUEST.messages[0]!.content }] }],
    });
  });

  it('addresses a model given as an ARN, as the seed does', async () => {
    fake.enqueue(invokeText('ok'));
    await provider('bedrock', { model: SEED_MODEL_ARN }).complete(REQUEST);
    expect(bedrockTarget(fake.requests[0]!).modelId).toBe(SEED_MODEL_ARN);
    expect(fake.requests[0]!.rejected).toBeUndefined();
  });

  it('asks for structured output with one tool forced by tool_choice', async () => {
    fake.enqueue(invokeToolUse('submit_policy', DRAFT));
    await provider('bedrock').complete(STRUCTURED);
    const body = fake.requests[0]!.json as Record<string, unknown>;
    expect(body.tools).toEqual([
      { name: 'submit_policy', description: 'Submit the drafted IAM policy', input_schema: SCHEMA },
    ]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'submit_policy' });
  });

  it('signs with session credentials too', async () => {
    await fake.close();
    fake = await startBedrockFake({
      credentials: { ASIAFAKESESSION00001: { secretAccessKey: 'session/secret', sessionToken: 'token-123' } },
    });
    fake.enqueue(invokeText('ok'));
    const credentials = {
      accessKeyId: 'ASIAFAKESESSION00001',
      secretAccessKey: 'session/secret',
      sessionToken: 'token-123',
    };
    expect((await provider('bedrock', { credentials }).complete(REQUEST)).text).toBe('ok');
    expect(fake.requests[0]!.headers['x-amz-security-token']).toBe('token-123');
  });

  it('takes model, region and endpoint from the environment', async () => {
    fake.enqueue(invokeText('ok'));
    const p = createProvider(
      'bedrock',
      { credentials: FAKE_AWS_CREDENTIALS },
      {
        GRANTFLOW_BEDROCK_MODEL_ID: 'apac.anthropic.claude-sonnet-4-20250514-v1:0',
        AWS_REGION: 'ap-northeast-2',
        GRANTFLOW_BEDROCK_ENDPOINT: fake.url,
      },
    );
    await p.complete(REQUEST);
    expect(bedrockTarget(fake.requests[0]!).modelId).toBe('apac.anthropic.claude-sonnet-4-20250514-v1:0');
    expect(fake.requests[0]!.rejected).toBeUndefined();
  });
});

describe('bedrock (InvokeModel): replies', () => {
  it('returns the text, stop reason, usage and model', async () => {
    fake.enqueue(
      invokeText('hello', {
        model: 'claude-3-5-sonnet-20240620',
        usage: { input_tokens: 11, output_tokens: 4 },
      }),
    );
    const c = await provider('bedrock').complete(REQUEST);
    expect(c).toMatchObject({
      text: 'hello',
      stopReason: 'end_turn',
      usage: { inputTokens: 11, outputTokens: 4 },
      model: 'claude-3-5-sonnet-20240620',
    });
  });

  it("reads the seed's text contract from content[0].text", async () => {
    fake.enqueue(invokeText(JSON.stringify(DRAFT)));
    const c = await provider('bedrock').complete(REQUEST);
    expect(parseReply(c)).toMatchObject({ kind: 'draft', policy: POLICY, policyType: 'IDENTITY_POLICY' });
  });

  it('returns the tool input as structured output', async () => {
    fake.enqueue(invokeToolUse('submit_policy', DRAFT));
    const c = await provider('bedrock').complete(STRUCTURED);
    expect(c.structured).toEqual(DRAFT);
    expect(c.stopReason).toBe('tool_use');
    expect(parseReply(c)).toMatchObject({
      kind: 'draft',
      description: 'Console use of Translate and Transcribe',
    });
  });

  it('treats a model body that is not JSON, or not a message, as a bad response without retrying', async () => {
    fake.enqueue({ kind: 'raw', body: '{"type":"message","content":[{"type":"text","text":"hal' });
    expect((await failure(provider('bedrock').complete(REQUEST))).code).toBe('LLM_BAD_RESPONSE');
    fake.enqueue({ kind: 'json', body: { completion: 'old text-completions shape' } });
    expect((await failure(provider('bedrock').complete(REQUEST))).code).toBe('LLM_BAD_RESPONSE');
    expect(fake.requests).toHaveLength(2);
  });

  it('refuses a body larger than the configured limit', async () => {
    fake.enqueue(invokeText('y'.repeat(4000)));
    expect((await failure(provider('bedrock', { maxResponseBytes: 1024 }).complete(REQUEST))).code).toBe(
      'LLM_BAD_RESPONSE',
    );
  });

  it('retries a reply cut off mid-body', async () => {
    const full = JSON.stringify(anthropicMessage([{ type: 'text', text: 'z'.repeat(300) }]));
    fake.enqueue({ kind: 'cut', body: full, sendBytes: 30 }, invokeText('whole'));
    expect((await provider('bedrock').complete(REQUEST)).text).toBe('whole');
    expect(fake.requests).toHaveLength(2);
  });

  it('gives LLM_TIMEOUT when the model does not answer in time, without retrying', async () => {
    fake.enqueue({ kind: 'hang' });
    const err = await failure(provider('bedrock', { timeoutMs: 200 }).complete(REQUEST));
    expect(err).toMatchObject({ code: 'LLM_TIMEOUT', attempts: 1 });
    expect(fake.requests).toHaveLength(1);
  });
});

describe('bedrock (InvokeModel): errors in the service shape', () => {
  it('retries a ThrottlingException, then succeeds', async () => {
    fake.enqueue(bedrockThrottled(), invokeText('ok'));
    expect((await provider('bedrock').complete(REQUEST)).text).toBe('ok');
    expect(fake.requests).toHaveLength(2);
  });

  it('gives LLM_THROTTLED when ThrottlingException outlasts the retries', async () => {
    fake.enqueue(bedrockThrottled(), bedrockThrottled(), bedrockThrottled());
    const err = await failure(provider('bedrock', { maxRetries: 2 }).complete(REQUEST));
    expect(err).toMatchObject({
      code: 'LLM_THROTTLED',
      attempts: 3,
      status: 429,
      providerCode: 'ThrottlingException',
      providerMessage: 'fake: request rate too high, slow down',
    });
    expect(err.requestId).toBeDefined();
  });

  it('retries ModelNotReadyException and ServiceUnavailableException', async () => {
    fake.enqueue(
      bedrockError(429, 'ModelNotReadyException', 'model is loading'),
      bedrockError(503, 'ServiceUnavailableException', 'try later'),
      invokeText('ok'),
    );
    expect((await provider('bedrock').complete(REQUEST)).text).toBe('ok');
  });

  it('reports persistent InternalServerException as LLM_HTTP_ERROR and ModelTimeoutException as LLM_TIMEOUT', async () => {
    fake.enqueue(
      bedrockError(500, 'InternalServerException', 'oops'),
      bedrockError(500, 'InternalServerException', 'oops'),
    );
    expect(await failure(provider('bedrock', { maxRetries: 1 }).complete(REQUEST))).toMatchObject({
      code: 'LLM_HTTP_ERROR',
      status: 500,
      attempts: 2,
    });
    fake.enqueue(
      bedrockError(408, 'ModelTimeoutException', 'slow'),
      bedrockError(408, 'ModelTimeoutException', 'slow'),
    );
    expect(await failure(provider('bedrock', { maxRetries: 1 }).complete(REQUEST))).toMatchObject({
      code: 'LLM_TIMEOUT',
      attempts: 2,
    });
  });

  it('does not retry a ValidationException and passes its message on', async () => {
    fake.enqueue(bedrockError(400, 'ValidationException', 'The provided model identifier is invalid.'));
    const err = await failure(provider('bedrock').complete(REQUEST));
    expect(err).toMatchObject({
      code: 'LLM_HTTP_ERROR',
      status: 400,
      providerCode: 'ValidationException',
      attempts: 1,
    });
    expect(err.message).toContain('model identifier is invalid');
  });

  it('does not retry a ServiceQuotaExceededException', async () => {
    fake.enqueue(bedrockError(400, 'ServiceQuotaExceededException', 'quota'));
    expect((await failure(provider('bedrock').complete(REQUEST))).attempts).toBe(1);
  });

  it('gives LLM_AUTH for AccessDeniedException (no model access)', async () => {
    fake.enqueue(bedrockError(403, 'AccessDeniedException', 'You do not have access to the model.'));
    expect(await failure(provider('bedrock').complete(REQUEST))).toMatchObject({
      code: 'LLM_AUTH',
      providerCode: 'AccessDeniedException',
    });
  });
});

describe('bedrock: signature checks by the fake', () => {
  const cases: [string, ProviderConfig, string][] = [
    [
      'a wrong secret',
      { credentials: { accessKeyId: FAKE_AWS_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' } },
      'InvalidSignatureException',
    ],
    [
      'an unknown access key',
      { credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } },
      'UnrecognizedClientException',
    ],
    ['a signature scoped to another region', { region: 'us-east-1' }, 'InvalidSignatureException'],
  ];
  for (const [what, config, errorType] of cases) {
    for (const name of ['bedrock', 'bedrock-converse'] as const) {
      it(`${name}: refuses ${what} with ${errorType} → LLM_AUTH, not retried`, async () => {
        const err = await failure(provider(name, config).complete(REQUEST));
        expect(err).toMatchObject({ code: 'LLM_AUTH', status: 403, providerCode: errorType, attempts: 1 });
        expect(fake.requests).toHaveLength(1);
        expect(fake.requests[0]!.rejected).toContain(errorType);
      });
    }
  }

  it('gives LLM_AUTH when no credentials can be found', async () => {
    const missing = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const err = await failure(
      provider('bedrock', {
        credentials: async () => {
          throw missing;
        },
      }).complete(REQUEST),
    );
    expect(err.code).toBe('LLM_AUTH');
    expect(err.message).toContain('no usable AWS credentials');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('bedrock-converse: request', () => {
  it('sends the Converse body with system, inference config and no tools', async () => {
    fake.enqueue(converseText('ok'));
    await provider('bedrock-converse', { model: 'amazon.nova-pro-v1:0' }).complete(REQUEST);
    const [sent] = fake.requests;
    expect(sent!.rejected).toBeUndefined();
    expect(bedrockTarget(sent!)).toEqual({ modelId: 'amazon.nova-pro-v1:0', operation: 'converse' });
    expect(sent!.json).toEqual({
      messages: [{ role: 'user', content: [{ text: REQUEST.messages[0]!.content }] }],
      system: [{ text: 'You are a competent AWS security professional.' }],
      inferenceConfig: { maxTokens: 4096, temperature: 0 },
    });
  });

  it('asks for structured output with toolConfig and a toolChoice naming the tool', async () => {
    fake.enqueue(converseToolUse('submit_policy', DRAFT));
    await provider('bedrock-converse').complete(STRUCTURED);
    expect((fake.requests[0]!.json as Record<string, unknown>).toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'submit_policy',
            description: 'Submit the drafted IAM policy',
            inputSchema: { json: SCHEMA },
          },
        },
      ],
      toolChoice: { tool: { name: 'submit_policy' } },
    });
  });
});

describe('bedrock-converse: replies and errors', () => {
  it('returns text, stop reason, usage and the configured model', async () => {
    fake.enqueue(converseText('hello'));
    const c = await provider('bedrock-converse').complete(REQUEST);
    expect(c).toMatchObject({
      text: 'hello',
      stopReason: 'end_turn',
      usage: { inputTokens: 40, outputTokens: 12 },
      model: DEFAULT_BEDROCK_MODEL,
    });
    expect(c.raw).not.toHaveProperty('$metadata');
  });

  it('returns the toolUse input as structured output', async () => {
    fake.enqueue(converseToolUse('submit_policy', DRAFT, 'Drafting now.'));
    const c = await provider('bedrock-converse').complete(STRUCTURED);
    expect(c.structured).toEqual(DRAFT);
    expect(c.text).toBe('Drafting now.');
    expect(parseReply(c)).toMatchObject({ kind: 'draft', policy: POLICY });
  });

  it('maps a guardrail intervention to content_filter', async () => {
    fake.enqueue(converseText('Sorry, the model cannot answer.', 'guardrail_intervened'));
    expect((await provider('bedrock-converse').complete(REQUEST)).stopReason).toBe('content_filter');
  });

  it('treats malformed or misshapen bodies as bad responses without retrying', async () => {
    const bodies: Scripted[] = [
      { kind: 'raw', body: '{"output": {"message": {"role": "assist' },
      { kind: 'json', body: { stopReason: 'end_turn' } },
    ];
    for (const b of bodies) {
      fake.enqueue(b);
      expect((await failure(provider('bedrock-converse').complete(REQUEST))).code).toBe('LLM_BAD_RESPONSE');
    }
    expect(fake.requests).toHaveLength(2);
  });

  it('retries throttling then succeeds, and gives LLM_THROTTLED when it persists', async () => {
    fake.enqueue(bedrockThrottled(), converseText('ok'));
    expect((await provider('bedrock-converse').complete(REQUEST)).text).toBe('ok');
    fake.enqueue(bedrockThrottled(), bedrockThrottled());
    expect(await failure(provider('bedrock-converse', { maxRetries: 1 }).complete(REQUEST))).toMatchObject({
      code: 'LLM_THROTTLED',
      attempts: 2,
    });
  });

  it('gives LLM_TIMEOUT for a slow reply', async () => {
    fake.enqueue(delayed(converseText('late'), 800));
    expect((await failure(provider('bedrock-converse', { timeoutMs: 200 }).complete(REQUEST))).code).toBe(
      'LLM_TIMEOUT',
    );
  });
});

describe('bedrock: provider names', () => {
  it('reports its own name', () => {
    for (const name of ['bedrock', 'bedrock-converse'] as LlmProviderName[]) {
      expect(createProvider(name, { credentials: FAKE_AWS_CREDENTIALS, endpoint: fake.url }, {}).name).toBe(
        name,
      );
    }
  });
});
