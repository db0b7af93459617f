// The Anthropic Messages body and reply, shared by the Anthropic API and Bedrock InvokeModel
// (which takes the same body with `anthropic_version` in it instead of a header and a model field).
import type { Completion, CompletionRequest, StopReason } from '../llm.ts';
import { badResponse } from './http.ts';

export function messagesBody(request: CompletionRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    max_tokens: request.maxTokens,
    messages: request.messages.map((m) => ({ role: m.role, content: [{ type: 'text', text: m.content }] })),
  };
  if (request.system) body.system = request.system;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.output) {
    body.tools = [
      {
        name: request.output.name,
        description: request.output.description,
        input_schema: request.output.schema,
      },
    ];
    // Forcing the one tool makes the model answer through it, so the reply is the tool's input.
    body.tool_choice = { type: 'tool', name: request.output.name };
  }
  return body;
}

const STOP_REASONS: Record<string, StopReason> = {
  end_turn: 'end_turn',
  tool_use: 'tool_use',
  max_tokens: 'max_tokens',
  model_context_window_exceeded: 'max_tokens',
  stop_sequence: 'stop_sequence',
  refusal: 'refusal',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a Messages reply; anything that is not one is LLM_BAD_RESPONSE. */
export function readMessage(
  body: unknown,
  request: CompletionRequest,
  configuredModel: string,
  text: string,
): Completion {
  if (!isRecord(body) || body.type !== 'message' || !Array.isArray(body.content))
    throw badResponse('the reply is not a Messages API message', text);
  const texts: string[] = [];
  let structured: unknown;
  let hasStructured = false;
  for (const block of body.content as unknown[]) {
    if (!isRecord(block)) throw badResponse('a content block is not an object', text);
    if (block.type === 'text') {
      if (typeof block.text !== 'string') throw badResponse('a text block has no text', text);
      texts.push(block.text);
    } else if (block.type === 'tool_use' && !hasStructured && block.name === request.output?.name) {
      if (!('input' in block)) throw badResponse('the tool_use block has no input', text);
      structured = block.input;
      hasStructured = true;
    }
  }
  const rawStop = typeof body.stop_reason === 'string' ? body.stop_reason : undefined;
  const usage = isRecord(body.usage) ? body.usage : undefined;
  return {
    text: texts.join('\n'),
    ...(hasStructured ? { structured } : {}),
    stopReason: (rawStop && STOP_REASONS[rawStop]) || 'other',
    ...(rawStop ? { providerStopReason: rawStop } : {}),
    ...(usage && typeof usage.input_tokens === 'number' && typeof usage.output_tokens === 'number'
      ? { usage: { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens } }
      : {}),
    model: typeof body.model === 'string' && body.model !== '' ? body.model : configuredModel,
    raw: body,
  };
}
