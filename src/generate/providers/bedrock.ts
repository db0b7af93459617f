// Bedrock Runtime InvokeModel with Claude's Anthropic Messages body, as the seed's Step Functions
// task sends it (`anthropic_version: bedrock-2023-05-31`). Claude models only; other Bedrock
// models take other bodies: use bedrock-converse for them.
import { InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import type { Completion, CompletionRequest, CompleteOptions, LlmProvider } from '../llm.ts';
import { messagesBody, readMessage } from './anthropic-messages.ts';
import { createBedrockClient, sdkFailure } from './bedrock-client.ts';
import { resolveBedrockConfig } from './config.ts';
import type { Env, ProviderConfig } from './config.ts';
import { badResponse, parseJsonText } from './http.ts';
import { checkRequest } from './request.ts';
import { withRetries } from './retry.ts';

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

export function createBedrockProvider(config: ProviderConfig = {}, env: Env = process.env): LlmProvider {
  const resolved = resolveBedrockConfig('bedrock', config, env);
  const client = createBedrockClient(resolved);
  return {
    name: 'bedrock',
    model: resolved.model,
    async complete(request: CompletionRequest, options: CompleteOptions = {}): Promise<Completion> {
      checkRequest(request);
      const body = JSON.stringify({ anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...messagesBody(request) });
      return withRetries(resolved, options.signal, async (signal) => {
        let bytes: Uint8Array;
        try {
          const output = await client.send(
            new InvokeModelCommand({
              modelId: resolved.model,
              body,
              contentType: 'application/json',
              accept: 'application/json',
            }),
            { abortSignal: signal },
          );
          bytes = output.body;
        } catch (err) {
          throw sdkFailure(err);
        }
        if (bytes.byteLength > resolved.maxResponseBytes)
          throw badResponse(
            `reply of ${bytes.byteLength} bytes exceeds the ${resolved.maxResponseBytes}-byte limit`,
          );
        const text = new TextDecoder().decode(bytes);
        const json = parseJsonText(text);
        if (json === undefined) throw badResponse('the model reply is not JSON', text);
        return readMessage(json, request, resolved.model, text);
      });
    },
  };
}
