// OpenAI chat completions, POST {baseURL}/chat/completions: OpenAI itself and the servers that
// copy its API (Ollama, vLLM, llama.cpp, LM Studio, gateways). Structured output is asked for with
// `response_format: {type: 'json_schema'}`; servers that ignore it still return text, which the
// reply parser reads.
import type { Completion, CompletionRequest, CompleteOptions, LlmProvider, StopReason } from '../llm.ts';
import { resolveOpenAiConfig } from './config.ts';
import type { Env, ProviderConfig, ResolvedOpenAiConfig } from './config.ts';
import { badResponse, parseJsonText, postJson, statusFailure } from './http.ts';
import type { HttpReply } from './http.ts';
import { checkRequest } from './request.ts';
import { withRetries } from './retry.ts';

const FINISH_REASONS: Record<string, StopReason> = {
  stop: 'end_turn',
  length: 'max_tokens',
  content_filter: 'content_filter',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
};

export function chatBody(config: ResolvedOpenAiConfig, request: CompletionRequest): Record<string, unknown> {
  const messages: { role: string; content: string }[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  for (const m of request.messages) messages.push({ role: m.role, content: m.content });
  const body: Record<string, unknown> = {
    model: config.model,
    messages,
    [config.tokenLimitField]: request.maxTokens,
  };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.output) {
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: request.output.name,
        description: request.output.description,
        schema: request.output.schema,
        strict: request.output.strict ?? true,
      },
    };
  }
  return body;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// OpenAI sends {"error": {message, type, code}}; older vLLM a flat {"object": "error", message, type};
// Ollama sometimes {"error": "text"}.
function failure(reply: HttpReply) {
  const body = parseJsonText(reply.text);
  const error = isRecord(body) ? body.error : undefined;
  const fields = isRecord(error) ? error : isRecord(body) && body.object === 'error' ? body : {};
  const code = str(fields.code) ?? (typeof fields.code === 'number' ? String(fields.code) : undefined);
  return statusFailure(reply.status, reply.headers, {
    providerCode: code ?? str(fields.type),
    providerMessage: str(fields.message) ?? str(error) ?? (reply.text.slice(0, 300) || undefined),
    requestId: reply.headers.get('x-request-id') ?? undefined,
    // Out of credit is a 429 at OpenAI, but no amount of waiting fixes it.
    permanent: code === 'insufficient_quota',
  });
}

export function readChatCompletion(
  body: unknown,
  request: CompletionRequest,
  model: string,
  text: string,
): Completion {
  if (!isRecord(body) || !Array.isArray(body.choices))
    throw badResponse('the reply is not a chat completion', text);
  const choice = body.choices[0];
  if (!isRecord(choice) || !isRecord(choice.message))
    throw badResponse('the chat completion has no message', text);
  const message = choice.message;
  if (message.content !== null && message.content !== undefined && typeof message.content !== 'string')
    throw badResponse('the message content is not text', text);
  const content = (message.content as string | null | undefined) ?? '';
  const refusal = str(message.refusal);
  const finish = str(choice.finish_reason);
  let structured: unknown;
  let hasStructured = false;
  if (request.output && refusal === undefined && content.trim() !== '') {
    const parsed = parseJsonText(content.trim());
    if (typeof parsed === 'object' && parsed !== null) {
      structured = parsed;
      hasStructured = true;
    }
  }
  const usage = isRecord(body.usage) ? body.usage : undefined;
  return {
    text: refusal ?? content,
    ...(hasStructured ? { structured } : {}),
    stopReason: refusal !== undefined ? 'refusal' : (finish && FINISH_REASONS[finish]) || 'other',
    ...(finish ? { providerStopReason: finish } : {}),
    ...(usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number'
      ? { usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } }
      : {}),
    model: str(body.model) ?? model,
    raw: body,
  };
}

export function createOpenAiProvider(config: ProviderConfig = {}, env: Env = process.env): LlmProvider {
  const resolved = resolveOpenAiConfig(config, env);
  const url = `${resolved.baseURL}/chat/completions`;
  const headers: Record<string, string> =
    resolved.apiKey === undefined ? {} : { authorization: `Bearer ${resolved.apiKey}` };
  return {
    name: 'openai',
    model: resolved.model,
    async complete(request: CompletionRequest, options: CompleteOptions = {}): Promise<Completion> {
      checkRequest(request);
      const body = chatBody(resolved, request);
      return withRetries(resolved, options.signal, async (signal) => {
        const reply = await postJson(url, headers, body, signal, resolved.maxResponseBytes);
        if (reply.status < 200 || reply.status >= 300) throw failure(reply);
        const json = parseJsonText(reply.text);
        if (json === undefined) throw badResponse('the reply is not JSON', reply.text);
        return readChatCompletion(json, request, resolved.model, reply.text);
      });
    },
  };
}
