// Bedrock Runtime Converse: one message format for every Bedrock model, structured output through
// a single tool that toolChoice forces.
import { ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import type { ConverseCommandInput, ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import type { Completion, CompletionRequest, CompleteOptions, LlmProvider, StopReason } from '../llm.ts';
import { createBedrockClient, sdkFailure } from './bedrock-client.ts';
import { resolveBedrockConfig } from './config.ts';
import type { Env, ProviderConfig } from './config.ts';
import { badResponse } from './http.ts';
import { checkRequest } from './request.ts';
import { withRetries } from './retry.ts';

const STOP_REASONS: Record<string, StopReason> = {
  end_turn: 'end_turn',
  tool_use: 'tool_use',
  max_tokens: 'max_tokens',
  model_context_window_exceeded: 'max_tokens',
  stop_sequence: 'stop_sequence',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function converseInput(modelId: string, request: CompletionRequest): ConverseCommandInput {
  return {
    modelId,
    messages: request.messages.map((m) => ({ role: m.role, content: [{ text: m.content }] })),
    ...(request.system ? { system: [{ text: request.system }] } : {}),
    inferenceConfig: {
      maxTokens: request.maxTokens,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    },
    ...(request.output
      ? {
          toolConfig: {
            tools: [
              {
                toolSpec: {
                  name: request.output.name,
                  description: request.output.description,
                  inputSchema: { json: request.output.schema as Record<string, never> },
                },
              },
            ],
            toolChoice: { tool: { name: request.output.name } },
          },
        }
      : {}),
  };
}

export function readConverse(
  output: ConverseCommandOutput,
  request: CompletionRequest,
  model: string,
): Completion {
  const { $metadata: _metadata, ...raw } = output;
  const content = output.output?.message?.content;
  if (!Array.isArray(content)) throw badResponse('the Converse reply has no output message');
  const texts: string[] = [];
  let structured: unknown;
  let hasStructured = false;
  for (const block of content) {
    if (typeof block.text === 'string') texts.push(block.text);
    else if (block.toolUse && !hasStructured && block.toolUse.name === request.output?.name) {
      structured = block.toolUse.input;
      hasStructured = true;
    }
  }
  const rawStop = output.stopReason;
  const usage = output.usage;
  return {
    text: texts.join('\n'),
    ...(hasStructured ? { structured } : {}),
    stopReason: (rawStop && STOP_REASONS[rawStop]) || 'other',
    ...(rawStop ? { providerStopReason: rawStop } : {}),
    ...(typeof usage?.inputTokens === 'number' && typeof usage.outputTokens === 'number'
      ? { usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } }
      : {}),
    model,
    raw,
  };
}

export function createBedrockConverseProvider(
  config: ProviderConfig = {},
  env: Env = process.env,
): LlmProvider {
  const resolved = resolveBedrockConfig('bedrock-converse', config, env);
  const client = createBedrockClient(resolved);
  return {
    name: 'bedrock-converse',
    model: resolved.model,
    async complete(request: CompletionRequest, options: CompleteOptions = {}): Promise<Completion> {
      checkRequest(request);
      const input = converseInput(resolved.model, request);
      return withRetries(resolved, options.signal, async (signal) => {
        let output: ConverseCommandOutput;
        try {
          output = await client.send(new ConverseCommand(input), { abortSignal: signal });
        } catch (err) {
          throw sdkFailure(err);
        }
        return readConverse(output, request, resolved.model);
      });
    },
  };
}
