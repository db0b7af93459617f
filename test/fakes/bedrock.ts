// A fake Amazon Bedrock Runtime: POST /model/{modelId}/invoke (the model's native body; Claude's
// Anthropic Messages shape here) and POST /model/{modelId}/converse, with SigV4 checked on every
// request and errors in the service's REST-JSON shape (x-amzn-ErrorType header, {"message"} body).
import { randomUUID } from 'node:crypto';
import { anthropicMessage } from './anthropic.ts';
import type { AnthropicBlock, MessageOptions } from './anthropic.ts';
import { ScriptedServer } from './scripted-server.ts';
import type { RecordedRequest, Rejection, Scripted } from './scripted-server.ts';
import { verifySigV4 } from './sigv4.ts';
import type { FakeAwsCredentials } from './sigv4.ts';

export const FAKE_AWS_CREDENTIALS = {
  accessKeyId: 'AKIAFAKEBEDROCK00001',
  secretAccessKey: 'fake/secret/key/for/the/bedrock/fake/000',
} as const;

/** An error as Bedrock Runtime sends it. */
export function bedrockError(status: number, errorType: string, message: string): Scripted {
  return {
    kind: 'json',
    status,
    body: { message },
    headers: {
      'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      'x-amzn-requestid': randomUUID(),
    },
  };
}

export const bedrockThrottled = (): Scripted =>
  bedrockError(429, 'ThrottlingException', 'fake: request rate too high, slow down');

function invokeReply(blocks: AnthropicBlock[], options: MessageOptions): Scripted {
  const body = anthropicMessage(blocks, options);
  const usage = body.usage as { input_tokens: number; output_tokens: number };
  return {
    kind: 'json',
    body,
    headers: {
      'x-amzn-requestid': randomUUID(),
      'x-amzn-bedrock-input-token-count': String(usage.input_tokens),
      'x-amzn-bedrock-output-token-count': String(usage.output_tokens),
    },
  };
}

/** InvokeModel reply from Claude with one text block. */
export function invokeText(text: string, options: MessageOptions = {}): Scripted {
  return invokeReply([{ type: 'text', text }], options);
}

/** InvokeModel reply from Claude calling a tool. */
export function invokeToolUse(name: string, input: unknown, options: MessageOptions = {}): Scripted {
  return invokeReply([{ type: 'tool_use', id: `toolu_${randomUUID().slice(0, 8)}`, name, input }], options);
}

type ConverseBlock = { text: string } | { toolUse: { toolUseId: string; name: string; input: unknown } };

function converseReply(content: ConverseBlock[], stopReason: string): Scripted {
  return {
    kind: 'json',
    body: {
      output: { message: { role: 'assistant', content } },
      stopReason,
      usage: { inputTokens: 40, outputTokens: 12, totalTokens: 52 },
      metrics: { latencyMs: 321 },
    },
    headers: { 'x-amzn-requestid': randomUUID() },
  };
}

export function converseText(text: string, stopReason = 'end_turn'): Scripted {
  return converseReply([{ text }], stopReason);
}

export function converseToolUse(name: string, input: unknown, preamble?: string): Scripted {
  const blocks: ConverseBlock[] = preamble === undefined ? [] : [{ text: preamble }];
  blocks.push({ toolUse: { toolUseId: `tooluse_${randomUUID().slice(0, 12)}`, name, input } });
  return converseReply(blocks, 'tool_use');
}

export interface BedrockFakeOptions {
  region?: string;
  /** Accepted keys; the default accepts FAKE_AWS_CREDENTIALS. */
  credentials?: Record<string, FakeAwsCredentials>;
  /** HTTP/2 by default, as the SDK's Bedrock Runtime client speaks it. */
  protocol?: 'http1' | 'h2c';
}

const ROUTE = /^\/model\/([^/]+)\/(invoke|converse)$/;

function shapeProblem(operation: string, modelId: string, body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'fake: malformed input, the body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (operation === 'invoke') {
    if (!modelId.includes('anthropic.')) return undefined;
    if (b.anthropic_version !== 'bedrock-2023-05-31')
      return 'fake: malformed input, anthropic_version must be bedrock-2023-05-31';
    if ('model' in b) return 'fake: malformed input, model belongs in the path, not the body';
    if (!Number.isInteger(b.max_tokens)) return 'fake: malformed input, max_tokens is required';
    if (!Array.isArray(b.messages) || b.messages.length === 0)
      return 'fake: malformed input, messages is required';
    return undefined;
  }
  if (!Array.isArray(b.messages) || b.messages.length === 0) return 'fake: messages must not be empty';
  for (const m of b.messages as { content?: unknown }[]) {
    if (!Array.isArray(m.content)) return 'fake: every message needs a content array';
  }
  return undefined;
}

function gate(region: string, credentials: Record<string, FakeAwsCredentials>) {
  return async (request: RecordedRequest): Promise<Rejection | undefined> => {
    const reject = (status: number, errorType: string, message: string): Rejection => ({
      reason: `${errorType}: ${message}`,
      response: bedrockError(status, errorType, message),
    });
    const route = ROUTE.exec(request.url);
    if (request.method !== 'POST' || !route)
      return reject(
        404,
        'UnknownOperationException',
        `fake: no operation for ${request.method} ${request.url}`,
      );
    const auth = await verifySigV4(request, { credentials, service: 'bedrock', region });
    if (!auth.ok) return reject(auth.status, auth.errorType, auth.message);
    const modelId = decodeURIComponent(route[1]!);
    const problem =
      request.json === undefined
        ? 'fake: malformed input, the body is not JSON'
        : shapeProblem(route[2]!, modelId, request.json);
    return problem === undefined ? undefined : reject(400, 'ValidationException', problem);
  };
}

/** The model id and operation a recorded request addressed. */
export function bedrockTarget(request: RecordedRequest): { modelId: string; operation: string } {
  const route = ROUTE.exec(request.url);
  return { modelId: decodeURIComponent(route?.[1] ?? ''), operation: route?.[2] ?? '' };
}

export async function startBedrockFake(options: BedrockFakeOptions = {}): Promise<ScriptedServer> {
  const credentials = options.credentials ?? {
    [FAKE_AWS_CREDENTIALS.accessKeyId]: { secretAccessKey: FAKE_AWS_CREDENTIALS.secretAccessKey },
  };
  const unscripted = bedrockError(500, 'InternalServerException', 'fake: no scripted response left');
  return new ScriptedServer(gate(options.region ?? 'ap-northeast-2', credentials), unscripted, {
    protocol: options.protocol ?? 'h2c',
  }).listen();
}
