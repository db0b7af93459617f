// The offline "model" behind `bedrock:invokeModel` when no LLM provider is configured: it answers
// the seed's two prompts from their tags, with the offline drafter, deterministically.
//
// - The policy prompt (<requested-task>, <account-id>, <region>, <target-iam-identity-type>,
//   <target-iam-identity-arn>, <finding>): the contract's JSON, `{"policy": "<policy JSON>",
//   "policy_type": "IDENTITY_POLICY", "description": …}`. When the drafter cannot draft, the
//   contract's `{"error": …}`, together with a policy with no statements: validation rejects it
//   (MISSING_STATEMENT), so a definition that retries on validation errors, as the seed's does,
//   goes down its "ask the requester" path instead of failing on a missing `policy`.
// - The message prompt (<error_findings_details>): a message to the requester, in the request's
//   language, saying what is missing.
//
// The real tags come last in the prompt, after the requester's text; they are read from the end,
// so tags written inside the requested task cannot stand in for them.
import { createHash } from 'node:crypto';
import { getCatalog } from '../../catalog/index.ts';
import type { Catalog } from '../../catalog/index.ts';
import { draftOffline } from '../../generate/offline/drafter.ts';
import { RequestValidationError, detectLanguage, parseAccessRequest } from '../../generate/request.ts';
import type { AccessRequest } from '../../generate/request.ts';
import type { JsonObject } from '../json.ts';
import type { BedrockModel } from './bedrock.ts';
import { messagesText } from './bedrock.ts';

export const OFFLINE_MODEL_ID = 'grantflow-offline';

/** An empty policy: what the drafter grants when it cannot tell what is needed. */
const NOTHING = JSON.stringify({ Version: '2012-10-17', Statement: [] });

interface PromptFields {
  readonly task: string;
  readonly accountId: string;
  readonly region: string;
  readonly identityType: string;
  readonly identityArn: string;
  readonly finding?: string;
  readonly errorDetails?: string;
}

/** The content of the last `<tag>…</tag>` in text, searching before `end`. */
function lastTag(text: string, tag: string, end = text.length): { value: string; start: number } | undefined {
  const close = text.lastIndexOf(`</${tag}>`, end);
  if (close < 0) return undefined;
  const open = text.lastIndexOf(`<${tag}>`, close);
  if (open < 0) return undefined;
  return { value: text.slice(open + tag.length + 2, close), start: open };
}

export function readPromptFields(prompt: string): PromptFields | undefined {
  const errorDetails = lastTag(prompt, 'error_findings_details');
  const finding = errorDetails ? undefined : lastTag(prompt, 'finding');
  const arn = lastTag(prompt, 'target-iam-identity-arn', errorDetails?.start ?? finding?.start);
  const type = arn && lastTag(prompt, 'target-iam-identity-type', arn.start);
  const region = type && lastTag(prompt, 'region', type.start);
  const account = region && lastTag(prompt, 'account-id', region.start);
  if (!account) return undefined;
  // The task runs from the opening tag to the last </requested-task> before the data tags. The
  // instructions above may mention the tag mid-sentence; the real one starts a line.
  const lineStart = /(?:^|\n)[ \t]*<requested-task>/.exec(prompt);
  const open = lineStart
    ? prompt.indexOf('<requested-task>', lineStart.index)
    : prompt.indexOf('<requested-task>');
  const close = prompt.lastIndexOf('</requested-task>', account.start);
  if (open < 0 || close < open) return undefined;
  return {
    task: prompt.slice(open + '<requested-task>'.length, close),
    accountId: account.value.trim(),
    region: region.value.trim(),
    identityType: type.value.trim(),
    identityArn: arn.value.trim(),
    ...(finding ? { finding: finding.value } : {}),
    ...(errorDetails ? { errorDetails: errorDetails.value } : {}),
  };
}

function toRequest(fields: PromptFields): AccessRequest {
  return parseAccessRequest({
    requested_task: fields.task,
    target_iam_identity: fields.identityType,
    target_iam_identity_arn: fields.identityArn,
    // The prompt does not say how long; the drafter does not use it.
    required_attach_time: 3600,
    account_id: fields.accountId,
    region: fields.region,
  });
}

function describeProblems(err: RequestValidationError): string {
  return err.problems
    .map((p) => `${p.field === 'required_attach_time' ? '' : `${p.field}: `}${p.message}`)
    .join('; ');
}

/** The answer to the policy prompt, as the contract's JSON text. */
export function answerPolicyPrompt(fields: PromptFields, catalog: Catalog): string {
  let request: AccessRequest;
  try {
    request = toRequest(fields);
  } catch (err) {
    if (err instanceof RequestValidationError) return JSON.stringify({ error: describeProblems(err) });
    throw err;
  }
  const draft = draftOffline(request, catalog);
  if (draft.kind === 'draft') {
    return JSON.stringify({
      policy: JSON.stringify(draft.policy),
      policy_type: 'IDENTITY_POLICY',
      description: draft.description,
    });
  }
  return JSON.stringify({
    error: draft.message,
    policy: NOTHING,
    policy_type: 'IDENTITY_POLICY',
    description: draft.message,
  });
}

/** The message to the requester after the drafts kept failing validation. */
export function answerMessagePrompt(fields: PromptFields, catalog: Catalog): string {
  const ko = detectLanguage(fields.task) === 'ko';
  let ask: string | undefined;
  try {
    const draft = draftOffline(toRequest(fields), catalog);
    if (draft.kind === 'needs_info') ask = draft.message;
  } catch (err) {
    if (!(err instanceof RequestValidationError)) throw err;
    ask = ko
      ? `요청 정보에 문제가 있습니다: ${describeProblems(err)}`
      : `The request has problems: ${describeProblems(err)}`;
  }
  const details = (fields.errorDetails ?? '').trim();
  const task = fields.task.trim();
  if (ko) {
    return [
      '안녕하세요. 요청하신 권한에 대한 IAM 정책을 자동으로 만들지 못했습니다.',
      '',
      `요청 내용: ${task}`,
      `대상: ${fields.identityArn} (${fields.identityType}), 계정 ${fields.accountId}, 리전 ${fields.region}`,
      ...(details ? ['', `정책 검증에서 발견된 문제: ${details}`] : []),
      '',
      ask ??
        '필요한 AWS 서비스와 작업(조회, 목록 보기, 쓰기, 삭제, 실행 등), 대상 리소스의 이름이나 ARN을 구체적으로 알려 주시면 다시 요청을 처리하겠습니다.',
    ].join('\n');
  }
  return [
    'Hello. We could not create an IAM policy for the access you requested.',
    '',
    `Your request: ${task}`,
    `Target: ${fields.identityArn} (${fields.identityType}), account ${fields.accountId}, region ${fields.region}`,
    ...(details ? ['', `Problems the policy validator found: ${details}`] : []),
    '',
    ask ??
      'Please tell us which AWS services and actions you need (read, list, write, delete, invoke, ...) and the names or ARNs of the resources, and we will process the request again.',
  ].join('\n');
}

/** The offline model, answering Anthropic Messages bodies like Bedrock's InvokeModel does. */
export function offlineModel(catalog: Catalog = getCatalog()): BedrockModel {
  return async ({ body }) => {
    const prompt = messagesText(body);
    const fields = readPromptFields(prompt);
    const text = !fields
      ? JSON.stringify({
          error:
            "The offline model answers only grantflow's policy prompts (with <requested-task>, <account-id>, <region>, <target-iam-identity-type> and <target-iam-identity-arn> tags); configure an LLM provider for other prompts.",
        })
      : fields.errorDetails !== undefined
        ? answerMessagePrompt(fields, catalog)
        : answerPolicyPrompt(fields, catalog);
    return anthropicMessage(prompt, text);
  };
}

/** A Messages API reply. Token counts are estimates (about four characters a token). */
function anthropicMessage(prompt: string, text: string): JsonObject {
  const id = createHash('sha256').update(prompt).update('\0').update(text).digest('hex').slice(0, 24);
  return {
    id: `msg_offline_${id}`,
    type: 'message',
    role: 'assistant',
    model: OFFLINE_MODEL_ID,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: Math.ceil(prompt.length / 4), output_tokens: Math.ceil(text.length / 4) },
  };
}
