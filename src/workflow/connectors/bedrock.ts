// `arn:aws:states:::bedrock:invokeModel`: an Anthropic Messages body in, and out what Step
// Functions returns: `{Body: <the model's JSON reply>, ContentType: 'application/json'}`. The
// model behind it is the offline model (default) or any configured LLM provider; with a provider
// the provider's configured model answers, whatever ModelId the definition names.
import type { LlmProvider } from '../../generate/llm.ts';
import { LlmError } from '../../generate/llm.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { isJsonObject, toJson } from '../json.ts';
import type { Json, JsonObject } from '../json.ts';
import type { ConnectorMap } from './types.ts';

/** Answers one InvokeModel request with the reply body. */
export type BedrockModel = (request: {
  readonly modelId: string;
  readonly body: JsonObject;
  readonly signal: AbortSignal;
}) => Promise<JsonObject>;

const invalid = (message: string) => new StatesError('Bedrock.ValidationException', message);

function blockText(content: Json | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block) =>
      isJsonObject(block) && block.type === 'text' && typeof block.text === 'string' ? block.text : '',
    )
    .filter((t) => t !== '')
    .join('\n');
}

/** Checks an Anthropic Messages body (as Bedrock takes it). */
function checkBody(body: JsonObject): void {
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw invalid('Body.messages must be a non-empty array (an Anthropic Messages request).');
  }
  for (const [i, m] of body.messages.entries()) {
    if (!isJsonObject(m) || (m.role !== 'user' && m.role !== 'assistant')) {
      throw invalid(`Body.messages[${i}] must have role "user" or "assistant".`);
    }
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) {
      throw invalid(`Body.messages[${i}].content must be a string or an array of content blocks.`);
    }
  }
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
    throw invalid('Body.max_tokens must be a positive integer.');
  }
}

/** All the text of a Messages body: the system prompt and every message, in order. */
export function messagesText(body: JsonObject): string {
  const parts = [blockText(body.system)];
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (isJsonObject(m)) parts.push(blockText(m.content));
  }
  return parts.filter((p) => p !== '').join('\n\n');
}

const STOP_REASONS: Record<string, string> = {
  end_turn: 'end_turn',
  tool_use: 'tool_use',
  max_tokens: 'max_tokens',
  stop_sequence: 'stop_sequence',
  refusal: 'refusal',
};

/** An LLM provider as a Bedrock model: the Messages body becomes a completion request. */
export function providerModel(provider: LlmProvider): BedrockModel {
  return async ({ body, signal }) => {
    const messages = (body.messages as JsonObject[]).map((m) => ({
      role: m.role as 'user' | 'assistant',
      content: blockText(m.content),
    }));
    const system = blockText(body.system);
    let completion;
    try {
      completion = await provider.complete(
        {
          ...(system ? { system } : {}),
          messages,
          maxTokens: body.max_tokens as number,
          ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
        },
        { signal },
      );
    } catch (err) {
      throw bedrockError(err);
    }
    // Anthropic and Bedrock answer with a Messages reply already: return it as it came.
    const raw = completion.raw;
    if (
      isJsonObject(raw as Json) &&
      (raw as JsonObject).type === 'message' &&
      Array.isArray((raw as JsonObject).content)
    ) {
      return toJson(raw) as JsonObject;
    }
    return {
      id: `msg_${provider.name}`,
      type: 'message',
      role: 'assistant',
      model: completion.model,
      content: [{ type: 'text', text: completion.text }],
      stop_reason: STOP_REASONS[completion.stopReason] ?? 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: completion.usage?.inputTokens ?? 0,
        output_tokens: completion.usage?.outputTokens ?? 0,
      },
    };
  };
}

/** A provider failure named like Bedrock's InvokeModel errors. */
export function bedrockError(err: unknown): StatesError {
  if (err instanceof StatesError) return err;
  if (err instanceof LlmError) {
    const name = {
      LLM_THROTTLED: 'ThrottlingException',
      LLM_TIMEOUT: 'ModelTimeoutException',
      LLM_AUTH: 'AccessDeniedException',
      LLM_BAD_RESPONSE: 'ModelErrorException',
      LLM_NETWORK: 'ServiceUnavailableException',
      LLM_CONFIG: 'ValidationException',
      LLM_HTTP_ERROR:
        err.status !== undefined && err.status < 500 ? 'ValidationException' : 'InternalServerException',
    }[err.code];
    return new StatesError(`Bedrock.${name}`, err.message, { source: err });
  }
  return new StatesError(STATES_ERRORS.TaskFailed, (err as Error)?.message ?? String(err), { source: err });
}

export function bedrockConnectors(model: BedrockModel): ConnectorMap {
  return {
    'arn:aws:states:::bedrock:invokeModel': async (invocation) => {
      const args = invocation.arguments;
      if (!isJsonObject(args)) throw invalid('The arguments of bedrock:invokeModel must be a JSON object.');
      if (typeof args.ModelId !== 'string' || args.ModelId === '') throw invalid('ModelId is required.');
      let body: Json | undefined = args.Body;
      if (typeof body === 'string') {
        try {
          body = JSON.parse(body) as Json;
        } catch {
          throw invalid('Body is a string that is not JSON.');
        }
      }
      if (!isJsonObject(body)) throw invalid('Body is required: an Anthropic Messages request object.');
      checkBody(body);
      const reply = await model({ modelId: args.ModelId, body, signal: invocation.signal }).catch(
        (err: unknown) => {
          throw bedrockError(err);
        },
      );
      return { Body: reply, ContentType: 'application/json' };
    },
  };
}
