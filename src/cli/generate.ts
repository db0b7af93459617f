// `grantflow generate`: from a request to a validated, hardened, guarded policy, touching no IAM.
import { parseArgs } from 'node:util';
import { ACCESS_LEVELS } from '../catalog/index.ts';
import type { AccessLevel } from '../catalog/index.ts';
import { generatePolicy } from '../generate/generate.ts';
import type { GenerateResult } from '../generate/generate.ts';
import { DEFAULT_GUARD_CONFIG } from '../generate/guard.ts';
import { LLM_PROVIDER_NAMES } from '../generate/llm.ts';
import type { LlmProviderName } from '../generate/llm.ts';
import { RequestValidationError } from '../generate/request.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, listOption, oneOf, readInputFile } from './io.ts';
import type { CliIo } from './io.ts';

const PROVIDERS = ['offline', ...LLM_PROVIDER_NAMES] as const;

const HELP = `Usage: grantflow generate --input FILE [options]

Drafts a least-privilege policy for an access request (the seed's input shape), validates it,
drafts again with the findings if needed, hardens it (expiry and requester conditions) and
judges it with the guardrails. Nothing is created in IAM.

Options:
  --input FILE            the request JSON ("-" for standard input)
  --provider NAME         offline (default), bedrock, bedrock-converse, anthropic, openai
  --model ID              the provider's model id
  --region REGION         Bedrock region
  --endpoint URL          Bedrock endpoint, or the base URL of an Anthropic/OpenAI-compatible API
  --max-attempts N        drafts to try before asking the requester (default 2)
  --auto-grant-levels L   access levels granted without approval (default List,Read,Write,Tagging;
                          Permissions management always needs approval)
  --ceiling FILE          a policy every drafted policy must stay within
  --format FORMAT         text (default) or json

Exit codes: 0 grant or needs_approval (a policy was produced), 1 refuse or needs_info,
2 bad usage or an invalid request, 3 runtime failure (e.g. the LLM provider failed).
`;

export const generateCommand: Command = {
  help: HELP,
  run: runGenerate,
};

async function runGenerate(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      provider: { type: 'string' },
      model: { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      'max-attempts': { type: 'string' },
      'auto-grant-levels': { type: 'string' },
      ceiling: { type: 'string' },
      format: { type: 'string' },
    },
  });
  if (values.input === undefined)
    throw new UsageError('--input FILE is required (use "-" for standard input)');
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text');
  const provider = oneOf('provider', values.provider, PROVIDERS, 'offline');
  const maxAttempts = values['max-attempts'] === undefined ? 2 : Number(values['max-attempts']);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 10) {
    throw new UsageError(
      `--max-attempts must be a whole number from 1 to 10 (got "${values['max-attempts']}")`,
    );
  }
  const levels =
    values['auto-grant-levels'] === undefined
      ? DEFAULT_GUARD_CONFIG.autoGrantLevels
      : parseLevels(values['auto-grant-levels']);

  const text = values.input === '-' ? await io.readStdin() : await readInputFile(values.input);
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${values.input} is not valid JSON: ${(err as Error).message}`);
  }
  let permissionCeiling: object | undefined;
  if (values.ceiling !== undefined) {
    try {
      permissionCeiling = JSON.parse(await readInputFile(values.ceiling)) as object;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`${values.ceiling} is not valid JSON: ${(err as Error).message}`);
    }
  }

  // The providers (and the AWS SDK behind Bedrock) load only when one is asked for.
  const drafter =
    provider === 'offline'
      ? undefined
      : (await import('../generate/llm-drafter.ts')).llmDrafter(
          (await import('../generate/providers/index.ts')).createProvider(
            provider as LlmProviderName,
            {
              model: values.model,
              region: values.region,
              ...(provider.startsWith('bedrock')
                ? { endpoint: values.endpoint }
                : { baseURL: values.endpoint }),
            },
            io.env,
          ),
        );

  let result: GenerateResult;
  try {
    result = await generatePolicy(input, {
      drafter,
      maxAttempts,
      guard: { autoGrantLevels: levels, permissionCeiling },
    });
  } catch (err) {
    if (err instanceof RequestValidationError) {
      throw new UsageError(
        `invalid request:\n${err.problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`,
      );
    }
    throw err;
  }

  io.stdout.write(format === 'json' ? `${JSON.stringify(toJson(result), null, 2)}\n` : toText(result));
  return result.outcome === 'grant' || result.outcome === 'needs_approval' ? EXIT.ok : EXIT.checkFailed;
}

function parseLevels(raw: string): AccessLevel[] {
  const levels = listOption(raw);
  for (const l of levels) {
    if (!(ACCESS_LEVELS as readonly string[]).includes(l)) {
      throw new UsageError(`--auto-grant-levels takes ${ACCESS_LEVELS.join(', ')} (got "${l}")`);
    }
  }
  return levels as AccessLevel[];
}

function toJson(r: GenerateResult) {
  return {
    outcome: r.outcome,
    ...(r.policy ? { policy: r.policy } : {}),
    findings: r.findings,
    message: r.message,
    attempts: r.attempts,
    summary: r.summary,
    reasons: r.reasons,
    expiresAt: r.expiresAt,
    drafter: r.drafter,
  };
}

function toText(r: GenerateResult): string {
  const ko = r.request.lang === 'ko';
  const tries = ko ? `${r.attempts}회 시도` : `${r.attempts} ${r.attempts === 1 ? 'attempt' : 'attempts'}`;
  const lines = [`${ko ? '결과' : 'Outcome'}: ${r.outcome} (${r.drafter}, ${tries})`, '', r.message];
  if (r.policy) lines.push('', r.summary, '', JSON.stringify(r.policy, null, 2));
  const shown = r.findings.filter((f) => f.findingType !== 'SUGGESTION');
  if (shown.length > 0) {
    lines.push('', ko ? '검증 결과:' : 'Validation findings:');
    for (const f of shown) lines.push(`  ${f.findingType} ${f.issueCode}: ${f.findingDetails}`);
  }
  return `${lines.join('\n')}\n`;
}
