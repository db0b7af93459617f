// Anthropic Messages API: POST {baseURL}/v1/messages with an API key. One request, so plain fetch.
import type { Completion, CompletionRequest, CompleteOptions, LlmProvider } from '../llm.ts';
import { messagesBody, readMessage } from './anthropic-messages.ts';
import { resolveAnthropicConfig } from './config.ts';
import type { Env, ProviderConfig } from './config.ts';
import { badResponse, parseJsonText, postJson, statusFailure } from './http.ts';
import type { HttpReply } from './http.ts';
import { checkRequest } from './request.ts';
import { withRetries } from './retry.ts';

export const ANTHROPIC_API_VERSION = '2023-06-01';

function failure(reply: HttpReply) {
  const body = parseJsonText(reply.text) as
    | {
        error?: { type?: unknown; message?: unknown; details?: { error_code?: unknown } };
        request_id?: unknown;
      }
    | undefined;
  const error = body?.error;
  return statusFailure(reply.status, reply.headers, {
    providerCode: typeof error?.type === 'string' ? error.type : undefined,
    providerMessage:
      typeof error?.message === 'string' ? error.message : reply.text.slice(0, 300) || undefined,
    requestId:
      reply.headers.get('request-id') ?? (typeof body?.request_id === 'string' ? body.request_id : undefined),
    // A spent monthly budget comes back as a 429 too; waiting seconds will not help.
    permanent: error?.details?.error_code === 'enforced_spend_limit_reached',
  });
}

export function createAnthropicProvider(config: ProviderConfig = {}, env: Env = process.env): LlmProvider {
  const resolved = resolveAnthropicConfig(config, env);
  const url = `${resolved.baseURL}/v1/messages`;
  const headers = { 'x-api-key': resolved.apiKey!, 'anthropic-version': ANTHROPIC_API_VERSION };
  return {
    name: 'anthropic',
    model: resolved.model,
    async complete(request: CompletionRequest, options: CompleteOptions = {}): Promise<Completion> {
      checkRequest(request);
      const body = { model: resolved.model, ...messagesBody(request) };
      return withRetries(resolved, options.signal, async (signal) => {
        const reply = await postJson(url, headers, body, signal, resolved.maxResponseBytes);
        if (reply.status < 200 || reply.status >= 300) throw failure(reply);
        const json = parseJsonText(reply.text);
        if (json === undefined) throw badResponse('the reply is not JSON', reply.text);
        return readMessage(json, request, resolved.model, reply.text);
      });
    },
  };
}
