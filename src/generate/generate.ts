// The seed's loop, improved: draft → validate → on ERROR findings draft again with them → harden
// → guard. Nothing here trusts the drafter: the policy is parsed, validated, hardened and judged
// in code, and the request's text never reaches those steps.
import type { Catalog } from '../catalog/index.ts';
import { getCatalog } from '../catalog/index.ts';
import { grantflowCheckLink, validatePolicy } from '../validate/index.ts';
import type { Finding } from '../validate/index.ts';
import type { Drafter } from './drafter.ts';
import { offlineDrafter } from './drafter.ts';
import type { GuardConfig, GuardReason } from './guard.ts';
import { DEFAULT_GUARD_CONFIG, guardPolicy } from './guard.ts';
import { hardenPolicy, iamDate } from './harden.ts';
import { findInjection } from './injection.ts';
import type { PolicyDocument } from './policy-document.ts';
import type { AccessRequest, RequestLimits } from './request.ts';
import { DEFAULT_LIMITS, parseAccessRequest } from './request.ts';
import { summarizePolicy } from './summary.ts';

export type Outcome = 'grant' | 'needs_approval' | 'needs_info' | 'refuse';

export interface GenerateOptions {
  readonly drafter?: Drafter;
  /** Drafts to try before asking the requester; the seed used 2. */
  readonly maxAttempts?: number;
  readonly guard?: GuardConfig;
  readonly limits?: RequestLimits;
  /** The time the grant would start; expiry is this plus required_attach_time. */
  readonly now?: Date;
  readonly catalog?: Catalog;
}

export interface GenerateResult {
  readonly outcome: Outcome;
  /** The hardened policy, for grant and needs_approval. */
  readonly policy?: PolicyDocument;
  /** Validation findings of the last draft (the hardened policy's, when there is one). */
  readonly findings: readonly Finding[];
  /** For the requester, in the request's language. */
  readonly message: string;
  readonly attempts: number;
  /** What the policy allows, in plain language (empty when there is no policy). */
  readonly summary: string;
  readonly reasons: readonly GuardReason[];
  readonly request: AccessRequest;
  readonly expiresAt: string;
  readonly drafter: string;
  readonly description?: string;
}

export async function generatePolicy(input: unknown, options: GenerateOptions = {}): Promise<GenerateResult> {
  const catalog = options.catalog ?? getCatalog();
  const request = parseAccessRequest(input, options.limits ?? DEFAULT_LIMITS);
  const drafter = options.drafter ?? offlineDrafter(catalog);
  const maxAttempts = Math.max(1, options.maxAttempts ?? 2);
  const now = options.now ?? new Date();
  const expiresAt = new Date(now.getTime() + request.required_attach_time * 1000);
  const base = {
    request,
    expiresAt: iamDate(expiresAt),
    drafter: drafter.name,
    reasons: [] as GuardReason[],
  };
  const ko = request.lang === 'ko';

  let findings: Finding[] = [];
  let attempts = 0;
  while (attempts < maxAttempts) {
    attempts++;
    const attempt = await drafter.draft(
      request,
      findings.filter((f) => f.findingType === 'ERROR'),
    );
    if (attempt.kind === 'needs_info') {
      return {
        ...base,
        outcome: 'needs_info',
        findings: [],
        message: attempt.message,
        attempts,
        summary: '',
      };
    }
    if (attempt.kind === 'unusable') {
      findings = [unusableReply(attempt.message)];
    } else {
      const text =
        typeof attempt.policy === 'string' ? attempt.policy : JSON.stringify(attempt.policy, null, 2);
      findings = validatePolicy(text, { policyType: 'identity', policyKind: 'managed' }).findings;
      if (!findings.some((f) => f.findingType === 'ERROR')) {
        return finish(JSON.parse(text) as PolicyDocument, attempt.description, attempts);
      }
    }
    // A deterministic drafter would give the same draft again.
    if (drafter.deterministic) break;
  }

  const errors = findings.filter((f) => f.findingType === 'ERROR');
  const message =
    (await drafter.explainFailure?.(request, errors)) ??
    (ko
      ? `요청하신 권한으로 유효한 정책을 만들지 못했습니다 (${attempts}회 시도). 다음 문제를 해결할 수 있도록 필요한 서비스, 작업, 리소스 이름을 더 구체적으로 알려 주세요:\n${errors.map((f, i) => `${i + 1}. ${f.findingDetails}`).join('\n')}`
      : `I could not draft a valid policy for this request in ${attempts} attempt${attempts === 1 ? '' : 's'}. Please say more precisely which service, actions and resource names you need, so these problems can be fixed:\n${errors.map((f, i) => `${i + 1}. ${f.findingDetails}`).join('\n')}`);
  return { ...base, outcome: 'needs_info', findings, message, attempts, summary: '' };

  function finish(draft: PolicyDocument, description: string, tries: number): GenerateResult {
    const hardened = hardenPolicy(draft, { expiresAt, principalArn: request.target_iam_identity_arn });
    const hardenedFindings = validatePolicy(hardened, {
      policyType: 'identity',
      policyKind: 'managed',
    }).findings;
    const verdict = guardPolicy(hardened, request, catalog, options.guard ?? DEFAULT_GUARD_CONFIG, now);
    const warnings = hardenedFindings.filter(
      (f) => f.findingType === 'SECURITY_WARNING' || f.findingType === 'ERROR',
    );
    let outcome: Outcome = verdict.outcome;
    const reasons = [...verdict.reasons];
    if (warnings.length > 0) {
      reasons.push({
        rule: 'validation-warning',
        outcome: 'needs_approval',
        message: `Validation reported ${[...new Set(warnings.map((w) => w.issueCode))].join(', ')}.`,
        actions: [],
      });
    }
    const injection = findInjection(request.requested_task);
    if (injection) {
      reasons.push({
        rule: 'suspected-injection',
        outcome: 'needs_approval',
        message: `The request contains text aimed at the policy writer ("${injection.match}"); it was not followed, and a person should look at this request.`,
        actions: [],
      });
    }
    if (outcome === 'grant' && reasons.length > 0) outcome = 'needs_approval';
    const summary = summarizePolicy(hardened, catalog, { lang: request.lang, expiresAt });
    return {
      ...base,
      outcome,
      policy: outcome === 'refuse' ? undefined : hardened,
      findings: hardenedFindings,
      message: outcomeMessage(outcome, reasons, ko),
      attempts: tries,
      summary: outcome === 'refuse' ? '' : summary,
      reasons,
      description,
    };
  }
}

/** A reply that is not a policy, as an ERROR finding the next attempt can be shown. */
function unusableReply(message: string): Finding {
  return {
    findingDetails: `The reply was not a policy in the requested format: ${message}`,
    findingType: 'ERROR',
    issueCode: 'DRAFT_NOT_A_POLICY',
    learnMoreLink: grantflowCheckLink('DRAFT_NOT_A_POLICY'),
    locations: [],
  };
}

function outcomeMessage(outcome: Outcome, reasons: readonly GuardReason[], ko: boolean): string {
  const why = reasons.map((r) => `- ${r.message}`).join('\n');
  switch (outcome) {
    case 'grant':
      return ko
        ? '요청하신 권한을 자동으로 부여할 수 있습니다.'
        : 'This access can be granted without approval.';
    case 'needs_approval':
      return ko
        ? `이 권한은 승인자의 승인이 있어야 부여됩니다:\n${why}`
        : `This access needs an approver's approval before it is granted:\n${why}`;
    default:
      return ko
        ? `이 요청은 자동으로 처리할 수 없어 거절되었습니다:\n${why}`
        : `This request is refused:\n${why}`;
  }
}
