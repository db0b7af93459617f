// Checks on a CompletionRequest before anything is sent: these are mistakes in the calling code,
// reported at once instead of as a provider's 400.
import type { CompletionRequest } from '../llm.ts';

const OUTPUT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function checkRequest(request: CompletionRequest): void {
  if (!Array.isArray(request.messages) || request.messages.length === 0)
    throw new TypeError('CompletionRequest.messages must hold at least one message');
  for (const [i, m] of request.messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant')
      throw new TypeError(`CompletionRequest.messages[${i}].role must be 'user' or 'assistant'`);
    if (typeof m.content !== 'string' || m.content === '')
      throw new TypeError(`CompletionRequest.messages[${i}].content must be a non-empty string`);
  }
  if (request.messages[0]!.role !== 'user')
    throw new TypeError('CompletionRequest.messages must start with a user message');
  if (!Number.isInteger(request.maxTokens) || request.maxTokens < 1)
    throw new TypeError('CompletionRequest.maxTokens must be a positive whole number');
  if (request.temperature !== undefined && !(request.temperature >= 0 && request.temperature <= 1))
    throw new TypeError('CompletionRequest.temperature must be between 0 and 1');
  if (request.system !== undefined && typeof request.system !== 'string')
    throw new TypeError('CompletionRequest.system must be a string');
  const output = request.output;
  if (output !== undefined) {
    if (!OUTPUT_NAME.test(output.name))
      throw new TypeError('CompletionRequest.output.name must be 1-64 letters, digits, "_" or "-"');
    if (typeof output.schema !== 'object' || output.schema === null || Array.isArray(output.schema))
      throw new TypeError('CompletionRequest.output.schema must be a JSON Schema object');
  }
}
