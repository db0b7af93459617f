// Notifications for the access-request lifecycle, in the request's language (English or Korean).
// One table: each event names its audiences, its severity and its wording in both languages, so
// adding an event is one entry. Pure functions: everything (times included) comes in as arguments.
import type { Audience, Notification, NotificationSeverity } from '../types.ts';
import { bullets, formatDuration, formatTime, identityName, lines, untrusted } from './format.ts';
import type { Lang } from './format.ts';

/** What every lifecycle notification says about the request. */
export interface RequestFacts {
  readonly requestId: string;
  /** The requester's language (`lang` of the parsed request). */
  readonly lang: Lang;
  /** Who asked: an IAM ARN, an email address or a user name; requester notifications go to it. */
  readonly requester: string;
  /** The identity the policy is for (`target_iam_identity_arn`). */
  readonly identityArn: string;
  /** The request's text (`requested_task`); untrusted, shown quoted and trimmed. */
  readonly task: string;
  readonly accountId?: string;
  readonly region?: string;
}

export interface LifecycleDetails {
  'request.received': { readonly durationSeconds?: number };
  'request.extension-requested': {
    /** The grant this request extends. */
    readonly extends: string;
    readonly previousExpiresAt: string;
    readonly expiresAt: string;
    /** Who asked (the requester, or an admin on their behalf). */
    readonly by: string;
  };
  'request.needs-approval': {
    /** What the policy allows, in plain language (generate's `summary`). */
    readonly summary: string;
    /** Why the guardrails want a person to look (generate's reasons, as text). */
    readonly reasons: readonly string[];
    /** The approval is bound to this hash of the exact policy. */
    readonly policyHash: string;
    /** When the request stops waiting for an approval. */
    readonly approvalDeadline?: string;
    readonly durationSeconds?: number;
  };
  'request.approved': { readonly approver: string; readonly policyHash?: string };
  'request.denied': { readonly approver: string; readonly reason?: string };
  'request.expired': { readonly waitedSeconds?: number };
  'request.needs-info': {
    /** What is missing, for the requester (generate's message). */ readonly message: string;
  };
  'request.refused': { readonly reasons: readonly string[]; readonly message?: string };
  'grant.attached': { readonly policyArn: string; readonly expiresAt: string; readonly summary?: string };
  'grant.expiring': {
    readonly policyArn: string;
    readonly expiresAt: string;
    /** The time of the reminder. */ readonly now: string;
  };
  'grant.revoked': {
    readonly policyArn: string;
    /** `expired` on time, `early` on the requester's or an admin's word, `reconciled` after a restart. */
    readonly reason: 'expired' | 'early' | 'reconciled';
    readonly revokedAt?: string;
    readonly by?: string;
  };
  'grant.revocation-failed': {
    readonly policyArn: string;
    readonly error: string;
    readonly attempts?: number;
    readonly expiresAt?: string;
  };
}

export type LifecycleEvent = keyof LifecycleDetails;

interface Wording {
  readonly subject: string;
  readonly text: string;
}

interface Template<D> {
  readonly audience: readonly Audience[];
  readonly severity: NotificationSeverity;
  readonly en: (f: RequestFacts, d: D, name: string) => Wording;
  readonly ko: (f: RequestFacts, d: D, name: string) => Wording;
}

type Templates = { readonly [E in LifecycleEvent]: Template<LifecycleDetails[E]> };

const PREFIX = '[grantflow]';

function about(f: RequestFacts, lang: Lang): string {
  const task = `"${untrusted(f.task, 500)}"`;
  return lang === 'ko'
    ? lines(
        `요청 ID: ${f.requestId}`,
        `대상: ${f.identityArn}`,
        `요청자: ${f.requester}`,
        `요청 내용: ${task}`,
      )
    : lines(
        `Request: ${f.requestId}`,
        `Identity: ${f.identityArn}`,
        `Requested by: ${f.requester}`,
        `Task: ${task}`,
      );
}

const REVOKE_REASON = {
  en: {
    expired: 'the granted time is over',
    early: 'it was revoked early',
    reconciled: 'it was overdue when grantflow restarted',
  },
  ko: {
    expired: '부여 시간이 끝났습니다',
    early: '조기 회수되었습니다',
    reconciled: 'grantflow 재시작 시 만료 시간이 지나 있었습니다',
  },
} as const;

const TEMPLATES: Templates = {
  'request.extension-requested': {
    audience: ['requester'],
    severity: 'info',
    en: (f, d) => ({
      subject: `${PREFIX} Extension ${f.requestId} of ${d.extends} requested`,
      text: lines(
        `${d.by} asked for grant ${d.extends} to last until ${formatTime(d.expiresAt)} instead of ${formatTime(d.previousExpiresAt)}. The same policy needs a new approval before it is attached again; the grant itself still ends at ${formatTime(d.previousExpiresAt)}.`,
        '',
        about(f, 'en'),
      ),
    }),
    ko: (f, d) => ({
      subject: `${PREFIX} 권한 ${d.extends} 연장 요청 ${f.requestId} 접수됨`,
      text: lines(
        `${d.by}이(가) 권한 ${d.extends}의 종료 시각을 ${formatTime(d.previousExpiresAt)}에서 ${formatTime(d.expiresAt)}(으)로 연장하도록 요청했습니다. 같은 정책을 다시 부여하려면 새 승인이 필요하며, 기존 권한은 그대로 ${formatTime(d.previousExpiresAt)}에 끝납니다.`,
        '',
        about(f, 'ko'),
      ),
    }),
  },
  'request.received': {
    audience: ['requester'],
    severity: 'info',
    en: (f, d) => ({
      subject: `${PREFIX} Access request ${f.requestId} received`,
      text: lines(
        `Your access request was received${d.durationSeconds !== undefined ? ` (for ${formatDuration(d.durationSeconds, 'en')})` : ''}. grantflow is drafting and checking a least-privilege policy; you will hear back at each step.`,
        '',
        about(f, 'en'),
      ),
    }),
    ko: (f, d) => ({
      subject: `${PREFIX} 접근 요청 ${f.requestId} 접수됨`,
      text: lines(
        `접근 요청이 접수되었습니다${d.durationSeconds !== undefined ? ` (기간: ${formatDuration(d.durationSeconds, 'ko')})` : ''}. grantflow가 최소 권한 정책을 작성하고 검증하는 중이며, 단계마다 알려 드립니다.`,
        '',
        about(f, 'ko'),
      ),
    }),
  },
  'request.needs-approval': {
    audience: ['approvers', 'requester'],
    severity: 'warning',
    en: (f, d, name) => ({
      subject: `${PREFIX} Approval needed: access request ${f.requestId} for ${name}`,
      text: lines(
        `An access request needs an approver's decision before anything is attached.`,
        '',
        about(f, 'en'),
        d.durationSeconds !== undefined && `Duration: ${formatDuration(d.durationSeconds, 'en')}`,
        '',
        'What the policy allows:',
        untrusted(d.summary, 2_000),
        '',
        'Why it needs approval:',
        bullets(
          d.reasons.map((r) => untrusted(r, 300)),
          'en',
        ),
        '',
        `Policy hash: ${d.policyHash} (an approval applies to this exact policy only)`,
        d.approvalDeadline !== undefined &&
          `The request expires unapproved at ${formatTime(d.approvalDeadline)}.`,
        `Approve: grantflow approve ${f.requestId}    Deny: grantflow deny ${f.requestId}`,
        'Requesters cannot approve their own requests.',
      ),
    }),
    ko: (f, d, name) => ({
      subject: `${PREFIX} 승인 필요: ${name}의 접근 요청 ${f.requestId}`,
      text: lines(
        '권한을 부여하기 전에 승인자의 결정이 필요한 접근 요청이 있습니다.',
        '',
        about(f, 'ko'),
        d.durationSeconds !== undefined && `기간: ${formatDuration(d.durationSeconds, 'ko')}`,
        '',
        '정책이 허용하는 작업:',
        untrusted(d.summary, 2_000),
        '',
        '승인이 필요한 이유:',
        bullets(
          d.reasons.map((r) => untrusted(r, 300)),
          'ko',
        ),
        '',
        `정책 해시: ${d.policyHash} (승인은 정확히 이 정책에만 적용됩니다)`,
        d.approvalDeadline !== undefined &&
          `${formatTime(d.approvalDeadline)}까지 승인되지 않으면 요청이 만료됩니다.`,
        `승인: grantflow approve ${f.requestId}    거부: grantflow deny ${f.requestId}`,
        '요청자는 자신의 요청을 승인할 수 없습니다.',
      ),
    }),
  },
  'request.approved': {
    audience: ['requester', 'admins'],
    severity: 'info',
    en: (f, d) => ({
      subject: `${PREFIX} Access request ${f.requestId} approved`,
      text: lines(
        `${d.approver} approved the access request. The policy is being attached.`,
        '',
        about(f, 'en'),
      ),
    }),
    ko: (f, d) => ({
      subject: `${PREFIX} 접근 요청 ${f.requestId} 승인됨`,
      text: lines(
        `${d.approver}님이 접근 요청을 승인했습니다. 정책을 연결하는 중입니다.`,
        '',
        about(f, 'ko'),
      ),
    }),
  },
  'request.denied': {
    audience: ['requester', 'admins'],
    severity: 'info',
    en: (f, d) => ({
      subject: `${PREFIX} Access request ${f.requestId} denied`,
      text: lines(
        `${d.approver} denied the access request. Nothing was attached.`,
        d.reason !== undefined && `Reason: ${untrusted(d.reason, 500)}`,
        '',
        about(f, 'en'),
      ),
    }),
    ko: (f, d) => ({
      subject: `${PREFIX} 접근 요청 ${f.requestId} 거부됨`,
      text: lines(
        `${d.approver}님이 접근 요청을 거부했습니다. 아무 권한도 부여되지 않았습니다.`,
        d.reason !== undefined && `사유: ${untrusted(d.reason, 500)}`,
        '',
        about(f, 'ko'),
      ),
    }),
  },
  'request.expired': {
    audience: ['requester', 'approvers'],
    severity: 'info',
    en: (f, d) => ({
      subject: `${PREFIX} Access request ${f.requestId} expired without approval`,
      text: lines(
        `No approver decided${d.waitedSeconds !== undefined ? ` within ${formatDuration(d.waitedSeconds, 'en')}` : ' in time'}, so the request expired. Nothing was attached; submit a new request if you still need access.`,
        '',
        about(f, 'en'),
      ),
    }),
    ko: (f, d) => ({
      subject: `${PREFIX} 접근 요청 ${f.requestId} 승인 없이 만료됨`,
      text: lines(
        `${d.waitedSeconds !== undefined ? `${formatDuration(d.waitedSeconds, 'ko')} 안에` : '기한 안에'} 승인자가 결정하지 않아 요청이 만료되었습니다. 아무 권한도 부여되지 않았으며, 여전히 필요하면 새로 요청해 주세요.`,
        '',
        about(f, 'ko'),
      ),
    }),
  },
  'request.needs-info': {
    audience: ['requester'],
    severity: 'info',
    en: (f, d) => ({
      subject: `${PREFIX} More information needed for access request ${f.requestId}`,
      text: lines(
        'grantflow could not write a valid least-privilege policy from the request as it stands.',
        '',
        untrusted(d.message, 2_000),
        '',
        about(f, 'en'),
      ),
    }),
    ko: (f, d) => ({
      subject: `${PREFIX} 접근 요청 ${f.requestId}에 추가 정보 필요`,
      text: lines(
        '현재 요청 내용만으로는 유효한 최소 권한 정책을 작성할 수 없었습니다.',
        '',
        untrusted(d.message, 2_000),
        '',
        about(f, 'ko'),
      ),
    }),
  },
  'request.refused': {
    audience: ['requester', 'admins'],
    severity: 'warning',
    en: (f, d) => ({
      subject: `${PREFIX} Access request ${f.requestId} refused`,
      text: lines(
        'The request asks for access that grantflow never grants, so it was refused. Nothing was attached.',
        d.message !== undefined && ['', untrusted(d.message, 2_000)].join('\n'),
        '',
        'Reasons:',
        bullets(
          d.reasons.map((r) => untrusted(r, 300)),
          'en',
        ),
        '',
        about(f, 'en'),
      ),
    }),
    ko: (f, d) => ({
      subject: `${PREFIX} 접근 요청 ${f.requestId} 거절됨`,
      text: lines(
        'grantflow가 부여하지 않는 권한을 요청하여 거절되었습니다. 아무 권한도 부여되지 않았습니다.',
        d.message !== undefined && ['', untrusted(d.message, 2_000)].join('\n'),
        '',
        '사유:',
        bullets(
          d.reasons.map((r) => untrusted(r, 300)),
          'ko',
        ),
        '',
        about(f, 'ko'),
      ),
    }),
  },
  'grant.attached': {
    audience: ['requester', 'admins'],
    severity: 'info',
    en: (f, d, name) => ({
      subject: `${PREFIX} Access granted to ${name} until ${formatTime(d.expiresAt)}`,
      text: lines(
        `The policy ${d.policyArn} is attached to ${f.identityArn}.`,
        `It stops working at ${formatTime(d.expiresAt)} (IAM enforces the expiry) and grantflow detaches and deletes it then.`,
        d.summary !== undefined && ['', 'What it allows:', untrusted(d.summary, 2_000)].join('\n'),
        `Done early? grantflow revoke ${f.requestId}`,
        '',
        about(f, 'en'),
      ),
    }),
    ko: (f, d, name) => ({
      subject: `${PREFIX} ${name}에게 ${formatTime(d.expiresAt)}까지 권한 부여됨`,
      text: lines(
        `정책 ${d.policyArn}이(가) ${f.identityArn}에 연결되었습니다.`,
        `${formatTime(d.expiresAt)}에 효력이 끝나며(IAM이 만료를 강제합니다), 그때 grantflow가 정책을 분리하고 삭제합니다.`,
        d.summary !== undefined && ['', '허용되는 작업:', untrusted(d.summary, 2_000)].join('\n'),
        `일찍 끝났다면: grantflow revoke ${f.requestId}`,
        '',
        about(f, 'ko'),
      ),
    }),
  },
  'grant.expiring': {
    audience: ['requester'],
    severity: 'info',
    en: (f, d, name) => {
      const left = formatDuration(secondsBetween(d.now, d.expiresAt), 'en');
      return {
        subject: `${PREFIX} Access for ${name} ends in ${left}`,
        text: lines(
          `The access granted by ${d.policyArn} ends at ${formatTime(d.expiresAt)} (in ${left}).`,
          'To keep working after that, submit a new request; an extension needs a new approval.',
          '',
          about(f, 'en'),
        ),
      };
    },
    ko: (f, d, name) => {
      const left = formatDuration(secondsBetween(d.now, d.expiresAt), 'ko');
      return {
        subject: `${PREFIX} ${name}의 권한이 ${left} 후 만료됨`,
        text: lines(
          `${d.policyArn}(으)로 부여된 권한이 ${formatTime(d.expiresAt)}에 (${left} 후) 끝납니다.`,
          '그 뒤에도 작업이 필요하면 새로 요청해 주세요. 연장에는 새 승인이 필요합니다.',
          '',
          about(f, 'ko'),
        ),
      };
    },
  },
  'grant.revoked': {
    audience: ['requester', 'admins'],
    severity: 'info',
    en: (f, d, name) => ({
      subject: `${PREFIX} Access for ${name} revoked`,
      text: lines(
        `The policy ${d.policyArn} was detached from ${f.identityArn} and deleted: ${REVOKE_REASON.en[d.reason]}${d.by !== undefined ? ` (by ${d.by})` : ''}.`,
        d.revokedAt !== undefined && `Revoked at ${formatTime(d.revokedAt)}.`,
        '',
        about(f, 'en'),
      ),
    }),
    ko: (f, d, name) => ({
      subject: `${PREFIX} ${name}의 권한 회수됨`,
      text: lines(
        `정책 ${d.policyArn}을(를) ${f.identityArn}에서 분리하고 삭제했습니다. ${REVOKE_REASON.ko[d.reason]}${d.by !== undefined ? ` (회수: ${d.by})` : ''}.`,
        d.revokedAt !== undefined && `회수 시각: ${formatTime(d.revokedAt)}`,
        '',
        about(f, 'ko'),
      ),
    }),
  },
  'grant.revocation-failed': {
    audience: ['admins'],
    severity: 'critical',
    en: (f, d, name) => ({
      subject: `${PREFIX} CRITICAL: revoking access for ${name} failed (request ${f.requestId})`,
      text: lines(
        `grantflow could not detach or delete ${d.policyArn} from ${f.identityArn}${d.attempts !== undefined ? ` after ${d.attempts} attempts` : ''}. It keeps retrying, but check now.`,
        d.expiresAt !== undefined &&
          `The policy's own condition stops it from allowing anything after ${formatTime(d.expiresAt)}, but it is still attached.`,
        `Error: ${untrusted(d.error, 1_000)}`,
        '',
        `To remove it by hand: aws iam detach-${f.identityArn.includes(':role/') ? 'role' : 'user'}-policy --${f.identityArn.includes(':role/') ? 'role' : 'user'}-name ${name} --policy-arn ${d.policyArn}`,
        `then: aws iam delete-policy --policy-arn ${d.policyArn}`,
        '',
        about(f, 'en'),
      ),
    }),
    ko: (f, d, name) => ({
      subject: `${PREFIX} 긴급: ${name}의 권한 회수 실패 (요청 ${f.requestId})`,
      text: lines(
        `grantflow가 ${f.identityArn}에서 ${d.policyArn}을(를) 분리하거나 삭제하지 못했습니다${d.attempts !== undefined ? ` (${d.attempts}회 시도)` : ''}. 계속 재시도하지만 지금 확인해 주세요.`,
        d.expiresAt !== undefined &&
          `정책의 조건 때문에 ${formatTime(d.expiresAt)} 이후에는 아무것도 허용되지 않지만, 정책은 아직 연결되어 있습니다.`,
        `오류: ${untrusted(d.error, 1_000)}`,
        '',
        `직접 제거하려면: aws iam detach-${f.identityArn.includes(':role/') ? 'role' : 'user'}-policy --${f.identityArn.includes(':role/') ? 'role' : 'user'}-name ${name} --policy-arn ${d.policyArn}`,
        `이어서: aws iam delete-policy --policy-arn ${d.policyArn}`,
        '',
        about(f, 'ko'),
      ),
    }),
  },
};

/** Every lifecycle event, for callers that list or validate them. */
export const LIFECYCLE_EVENTS = Object.keys(TEMPLATES) as LifecycleEvent[];

/** The notification for one lifecycle event, in the request's language. */
export function lifecycleNotification<E extends LifecycleEvent>(
  event: E,
  facts: RequestFacts,
  details: LifecycleDetails[E],
): Notification {
  const template = TEMPLATES[event] as Template<LifecycleDetails[E]>;
  if (!template) throw new Error(`unknown lifecycle event "${String(event)}"`);
  const wording = template[facts.lang === 'ko' ? 'ko' : 'en'](
    facts,
    details,
    identityName(facts.identityArn),
  );
  return {
    event,
    audience: template.audience,
    severity: template.severity,
    subject: wording.subject,
    text: wording.text,
    requester: facts.requester,
    data: {
      requestId: facts.requestId,
      identityArn: facts.identityArn,
      requester: facts.requester,
      lang: facts.lang,
      ...(facts.accountId !== undefined ? { accountId: facts.accountId } : {}),
      ...(facts.region !== undefined ? { region: facts.region } : {}),
      ...details,
    },
  };
}

function secondsBetween(from: string, to: string): number {
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isNaN(a) || Number.isNaN(b) ? 0 : Math.max(0, (b - a) / 1000);
}

// One small function per event, for callers that prefer names to strings.
type Details<E extends LifecycleEvent> = LifecycleDetails[E];
export const requestReceived = (f: RequestFacts, d: Details<'request.received'> = {}) =>
  lifecycleNotification('request.received', f, d);
export const extensionRequested = (f: RequestFacts, d: Details<'request.extension-requested'>) =>
  lifecycleNotification('request.extension-requested', f, d);
export const needsApproval = (f: RequestFacts, d: Details<'request.needs-approval'>) =>
  lifecycleNotification('request.needs-approval', f, d);
export const requestApproved = (f: RequestFacts, d: Details<'request.approved'>) =>
  lifecycleNotification('request.approved', f, d);
export const requestDenied = (f: RequestFacts, d: Details<'request.denied'>) =>
  lifecycleNotification('request.denied', f, d);
export const requestExpired = (f: RequestFacts, d: Details<'request.expired'> = {}) =>
  lifecycleNotification('request.expired', f, d);
export const needsInfo = (f: RequestFacts, d: Details<'request.needs-info'>) =>
  lifecycleNotification('request.needs-info', f, d);
export const requestRefused = (f: RequestFacts, d: Details<'request.refused'>) =>
  lifecycleNotification('request.refused', f, d);
export const grantAttached = (f: RequestFacts, d: Details<'grant.attached'>) =>
  lifecycleNotification('grant.attached', f, d);
export const grantExpiring = (f: RequestFacts, d: Details<'grant.expiring'>) =>
  lifecycleNotification('grant.expiring', f, d);
export const grantRevoked = (f: RequestFacts, d: Details<'grant.revoked'>) =>
  lifecycleNotification('grant.revoked', f, d);
export const revocationFailed = (f: RequestFacts, d: Details<'grant.revocation-failed'>) =>
  lifecycleNotification('grant.revocation-failed', f, d);
