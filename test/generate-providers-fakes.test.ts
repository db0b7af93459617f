// The fakes are only worth their tests if they refuse what the real services refuse: SigV4
// signatures are recomputed, and badly shaped requests get the services' error shapes.
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, describe, expect, it } from 'vitest';
import { anthropicText, startAnthropicFake } from './fakes/anthropic.ts';
import { FAKE_AWS_CREDENTIALS, invokeText, startBedrockFake } from './fakes/bedrock.ts';
import { openaiText, startOpenAiFake } from './fakes/openai.ts';
import type { ScriptedServer } from './fakes/scripted-server.ts';
import { NodeSha256 } from './fakes/sigv4.ts';

let fake: ScriptedServer;
afterEach(async () => {
  await fake.close();
});

const MODEL_PATH = '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke';
const INVOKE_BODY = JSON.stringify({
  anthropic_version: 'bedrock-2023-05-31',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
});

interface SignOptions {
  path?: string;
  body?: string;
  service?: string;
  signingDate?: Date;
  secretAccessKey?: string;
}

async function signedRequest(options: SignOptions = {}) {
  const host = new URL(fake.url).host;
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: FAKE_AWS_CREDENTIALS.accessKeyId,
      secretAccessKey: options.secretAccessKey ?? FAKE_AWS_CREDENTIALS.secretAccessKey,
    },
    region: 'ap-northeast-2',
    service: options.service ?? 'bedrock',
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: options.path ?? MODEL_PATH,
      query: {},
      headers: { host, 'content-type': 'application/json' },
      body: options.body ?? INVOKE_BODY,
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host;
  return { path: options.path ?? MODEL_PATH, headers, body: options.body ?? INVOKE_BODY };
}

async function send(request: { path: string; headers: Record<string, string>; body: string }) {
  const response = await fetch(`${fake.url}${request.path}`, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
  });
  return {
    status: response.status,
    errorType: response.headers.get('x-amzn-errortype'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('fake Bedrock Runtime: SigV4', () => {
  it('accepts a correctly signed request', async () => {
    fake = await startBedrockFake({ protocol: 'http1' });
    fake.enqueue(invokeText('fine'));
    const reply = await send(await signedRequest());
    expect(reply.status).toBe(200);
    expect(fake.requests[0]!.rejected).toBeUndefined();
  });

  it('refuses a body changed after signing, in the Bedrock error shape', async () => {
    fake = await startBedrockFake({ protocol: 'http1' });
    const request = await signedRequest();
    const reply = await send({ ...request, body: request.body.replace('"hi"', '"grant me admin"') });
    expect(reply.status).toBe(403);
    expect(reply.errorType).toMatch(/^InvalidSignatureException:/);
    expect(Object.keys(reply.body)).toEqual(['message']);
    expect(fake.pending).toBe(0);
  });

  it('refuses a signed header changed after signing', async () => {
    fake = await startBedrockFake({ protocol: 'http1' });
    const request = await signedRequest();
    const reply = await send({ ...request, headers: { ...request.headers, 'content-type': 'text/plain' } });
    expect(reply.errorType).toMatch(/^InvalidSignatureException/);
  });

  it('refuses a request signed for another path', async () => {
    fake = await startBedrockFake({ protocol: 'http1' });
    const request = await signedRequest({ path: '/model/other/invoke' });
    expect((await send({ ...request, path: MODEL_PATH })).errorType).toMatch(/^InvalidSignatureException/);
  });

  it('refuses a wrong secret, another service scope, and an old signature', async () => {
    fake = await startBedrockFake({ protocol: 'http1' });
    for (const options of [
      { secretAccessKey: 'guess' },
      { service: 's3' },
      { signingDate: new Date(Date.now() - 20 * 60_000) },
    ]) {
      const reply = await send(await signedRequest(options));
      expect(reply.status, JSON.stringify(options)).toBe(403);
      expect(reply.errorType, JSON.stringify(options)).toMatch(/^InvalidSignatureException/);
    }
  });

  it('refuses an unsigned request', async () => {
    fake = await startBedrockFake({ protocol: 'http1' });
    const reply = await send({
      path: MODEL_PATH,
      headers: { 'content-type': 'application/json' },
      body: INVOKE_BODY,
    });
    expect(reply.errorType).toMatch(/^MissingAuthenticationTokenException/);
  });

  it('refuses an Anthropic body without anthropic_version, and an unknown operation', async () => {
    fake = await startBedrockFake({ protocol: 'http1' });
    const body = JSON.stringify({ max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const invalid = await send(await signedRequest({ body }));
    expect(invalid.status).toBe(400);
    expect(invalid.errorType).toMatch(/^ValidationException/);
    const unknown = await send(await signedRequest({ path: '/model/x/invoke-with-magic' }));
    expect(unknown.status).toBe(404);
  });

  it('answers 500 InternalServerException when the script has run out', async () => {
    fake = await startBedrockFake({ protocol: 'http1' });
    const reply = await send(await signedRequest());
    expect(reply.status).toBe(500);
    expect(reply.errorType).toMatch(/^InternalServerException/);
  });
});

describe('fake Anthropic and OpenAI: request checks', () => {
  const post = (path: string, headers: Record<string, string>, body: unknown) =>
    fetch(`${fake.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as Record<string, unknown>,
    }));

  it('Anthropic: requires the version header and a defined forced tool', async () => {
    fake = await startAnthropicFake({ apiKey: 'k' });
    fake.enqueue(anthropicText('ok'));
    const base = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };
    const json = { 'content-type': 'application/json', 'x-api-key': 'k' };
    expect((await post('/v1/messages', json, base)).status).toBe(400);
    const versioned = { ...json, 'anthropic-version': '2023-06-01' };
    const undefinedTool = await post('/v1/messages', versioned, {
      ...base,
      tool_choice: { type: 'tool', name: 'x' },
    });
    expect(undefinedTool).toMatchObject({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error' } },
    });
    expect((await post('/v1/messages', versioned, base)).status).toBe(200);
  });

  it('OpenAI: refuses both token limit fields at once and unknown routes', async () => {
    fake = await startOpenAiFake({ apiKey: 'k' });
    fake.enqueue(openaiText('ok'));
    const headers = { 'content-type': 'application/json', authorization: 'Bearer k' };
    const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    const both = await post('/v1/chat/completions', headers, {
      ...base,
      max_tokens: 1,
      max_completion_tokens: 1,
    });
    expect(both).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error' } } });
    expect((await post('/v1/completions', headers, base)).status).toBe(404);
    expect((await post('/v1/chat/completions', headers, base)).status).toBe(200);
  });
});
