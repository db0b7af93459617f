// A fake Anthropic Messages API (POST /v1/messages) and builders for its reply bodies, which
// Claude on Bedrock InvokeModel returns too.
import { randomUUID } from 'node:crypto';
import { ScriptedServer } from './scripted-server.ts';
import type { RecordedRequest, Rejection, Scripted } from './scripted-server.ts';

export type AnthropicBlock =
  { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

export interface MessageOptions {
  model?: string;
  stopReason?: string;
  usage?: { input_tokens: number; output_tokens: number };
}

/** A Messages API reply body. */
export function anthropicMessage(
  content: AnthropicBlock[],
  options: MessageOptions = {},
): Record<string, unknown> {
  return {
    id: `msg_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    type: 'message',
    role: 'assistant',
    model: options.model ?? 'claude-fake-1',
    content,
    stop_reason: options.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage: options.usage ?? { input_tokens: 42, output_tokens: 17 },
  };
}

export function anthropicText(text: string, options: MessageOptions = {}): Scripted {
  return { kind: 'json', body: anthropicMessage([{ type: 'text', text }], options) };
}

export function anthropicToolUse(
  name: string,
  input: unknown,
  options: MessageOptions & { preamble?: string } = {},
): Scripted {
  const blocks: AnthropicBlock[] = [];
  if (options.preamble !== undefined) blocks.push({ type: 'text', text: options.preamble });
  blocks.push({ type: 'tool_use', id: `toolu_${randomUUID().replace(/-/g, '').slice(0, 20)}`, name, input });
  return { kind: 'json', body: anthropicMessage(blocks, options) };
}

/** An error as the Messages API sends it: `{"type":"error","error":{"type","message"}}`. */
export function anthropicError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Scripted {
  const requestId = `req_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  return {
    kind: 'json',
    status,
    body: { type: 'error', error: { type, message }, request_id: requestId },
    headers: { 'request-id': requestId, ...headers },
  };
}

export interface AnthropicFakeOptions {
  /** The key the fake accepts in x-api-key. */
  apiKey?: string;
}

function shapeProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'fake: the body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return 'fake: model is required';
  if (!Number.isInteger(b.max_tokens) || (b.max_tokens as number) < 1)
    return 'fake: max_tokens must be a positive integer';
  if (!Array.isArray(b.messages) || b.messages.length === 0) return 'fake: messages must not be empty';
  for (const m of b.messages as unknown[]) {
    const role = (m as { role?: unknown } | null)?.role;
    if (role !== 'user' && role !== 'assistant')
      return `fake: messages[].role ${JSON.stringify(role)} is not user or assistant`;
  }
  if (b.system !== undefined && typeof b.system !== 'string' && !Array.isArray(b.system))
    return 'fake: system must be a string or text blocks';
  if (b.tool_choice !== undefined) {
    const choice = b.tool_choice as { type?: unknown; name?: unknown };
    const tools = Array.isArray(b.tools) ? (b.tools as { name?: unknown }[]) : [];
    if (choice.type === 'tool' && !tools.some((t) => t.name === choice.name))
      return `fake: tool_choice names ${JSON.stringify(choice.name)}, which tools does not define`;
  }
  return undefined;
}

function gate(apiKey: string) {
  return (request: RecordedRequest): Rejection | undefined => {
    const reject = (status: number, type: string, message: string): Rejection => ({
      reason: message,
      response: anthropicError(status, type, message),
    });
    if (request.method !== 'POST' || request.url !== '/v1/messages')
      return reject(404, 'not_found_error', `fake: no route for ${request.method} ${request.url}`);
    if (request.headers['x-api-key'] !== apiKey)
      return reject(401, 'authentication_error', 'fake: the x-api-key header does not hold a valid key');
    if (request.headers['anthropic-version'] === undefined)
      return reject(400, 'invalid_request_error', 'fake: the anthropic-version header is required');
    if (!String(request.headers['content-type'] ?? '').startsWith('application/json'))
      return reject(400, 'invalid_request_error', 'fake: content-type must be application/json');
    const problem = request.json === undefined ? 'fake: the body is not JSON' : shapeProblem(request.json);
    return problem === undefined ? undefined : reject(400, 'invalid_request_error', problem);
  };
}

/** Starts a fake Messages API; answer with `enqueue(...)`, read what was sent in `requests`. */
export async function startAnthropicFake(options: AnthropicFakeOptions = {}): Promise<ScriptedServer> {
  const unscripted = anthropicError(500, 'api_error', 'fake: no scripted response left');
  return new ScriptedServer(gate(options.apiKey ?? 'test-anthropic-key'), unscripted).listen();
}
