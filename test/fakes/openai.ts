// A fake OpenAI-compatible chat completions endpoint (POST {prefix}/chat/completions), with the
// Bearer check of api.openai.com or none, as local servers such as Ollama run.
import { randomUUID } from 'node:crypto';
import { ScriptedServer } from './scripted-server.ts';
import type { RecordedRequest, Rejection, Scripted } from './scripted-server.ts';

export interface ChatReplyOptions {
  model?: string;
  finishReason?: string;
  refusal?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export function chatCompletion(
  content: string | null,
  options: ChatReplyOptions = {},
): Record<string, unknown> {
  const usage = options.usage ?? { prompt_tokens: 55, completion_tokens: 21 };
  return {
    id: `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    object: 'chat.completion',
    created: 1_790_000_000,
    model: options.model ?? 'gpt-fake-1',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: options.refusal ?? null },
        logprobs: null,
        finish_reason: options.finishReason ?? 'stop',
      },
    ],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

export function openaiText(content: string | null, options: ChatReplyOptions = {}): Scripted {
  return {
    kind: 'json',
    body: chatCompletion(content, options),
    headers: { 'x-request-id': `req_${randomUUID()}` },
  };
}

/** An error as api.openai.com sends it: `{"error": {"message", "type", "param", "code"}}`. */
export function openaiError(
  status: number,
  type: string,
  code: string | null,
  message: string,
  headers: Record<string, string> = {},
): Scripted {
  return {
    kind: 'json',
    status,
    body: { error: { message, type, param: null, code } },
    headers: { 'x-request-id': `req_${randomUUID()}`, ...headers },
  };
}

export interface OpenAiFakeOptions {
  /** The Bearer token accepted; undefined accepts any request, as a local server does. */
  apiKey?: string;
  /** Path before /chat/completions, `/v1` by default. */
  prefix?: string;
}

function shapeProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'fake: the body is not a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return 'fake: model is required';
  if (!Array.isArray(b.messages) || b.messages.length === 0) return 'fake: messages must not be empty';
  for (const m of b.messages as { role?: unknown; content?: unknown }[]) {
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(String(m?.role)))
      return `fake: messages[].role ${JSON.stringify(m?.role)} is not a chat role`;
  }
  if ('max_tokens' in b && 'max_completion_tokens' in b)
    return 'fake: max_tokens and max_completion_tokens are exclusive';
  const format = b.response_format as
    { type?: unknown; json_schema?: { name?: unknown; schema?: unknown } } | undefined;
  if (format !== undefined && format.type === 'json_schema') {
    if (typeof format.json_schema?.name !== 'string')
      return 'fake: response_format.json_schema.name is required';
    if (typeof format.json_schema.schema !== 'object')
      return 'fake: response_format.json_schema.schema must be an object';
  }
  return undefined;
}

function gate(prefix: string, apiKey: string | undefined) {
  return (request: RecordedRequest): Rejection | undefined => {
    const reject = (status: number, type: string, code: string | null, message: string): Rejection => ({
      reason: message,
      response: openaiError(status, type, code, message),
    });
    if (request.method !== 'POST' || request.url !== `${prefix}/chat/completions`)
      return reject(
        404,
        'invalid_request_error',
        'unknown_url',
        `fake: no route for ${request.method} ${request.url}`,
      );
    if (apiKey !== undefined) {
      const auth = request.headers.authorization;
      if (auth === undefined) return reject(401, 'invalid_request_error', null, 'fake: no API key was sent');
      if (auth !== `Bearer ${apiKey}`)
        return reject(401, 'invalid_request_error', 'invalid_api_key', 'fake: the API key is not valid');
    }
    const problem =
      request.json === undefined ? 'fake: the body is not a JSON object' : shapeProblem(request.json);
    return problem === undefined ? undefined : reject(400, 'invalid_request_error', null, problem);
  };
}

export async function startOpenAiFake(options: OpenAiFakeOptions = {}): Promise<ScriptedServer> {
  const unscripted = openaiError(500, 'server_error', null, 'fake: no scripted response left');
  return new ScriptedServer(gate(options.prefix ?? '/v1', options.apiKey), unscripted).listen();
}
