// The offline drafter: deterministic, no network. It drafts the smallest policy the request's
// words support, or says what it needs to know. It does not judge safety: the guardrails do,
// after drafting, for every drafter alike.
import type { Catalog } from '../../catalog/index.ts';
import { textBeforeInjection } from '../injection.ts';
import type { AccessRequest } from '../request.ts';
import type { PolicyDocument, PolicyStatement } from '../policy-document.ts';
import type { Grant } from './select.ts';
import { selectGrants } from './select.ts';
import { understand } from './understand.ts';

export type OfflineDraft =
  | {
      readonly kind: 'draft';
      readonly policy: PolicyDocument;
      readonly description: string;
      /** What the drafter understood, in the request's language, one line each. */
      readonly notes: readonly string[];
    }
  | { readonly kind: 'needs_info'; readonly missing: readonly string[]; readonly message: string };

/** Services whose ARNs and calls are not tied to the request's region. */
const GLOBAL_SERVICES = new Set([
  's3',
  'iam',
  'sts',
  'cloudfront',
  'route53',
  'organizations',
  'support',
  'budgets',
  'ce',
  'account',
  'health',
  'trustedadvisor',
  'waf',
  'shield',
  'globalaccelerator',
  'artifact',
]);

export function draftOffline(request: AccessRequest, catalog: Catalog): OfflineDraft {
  // Text that addresses the policy writer instead of describing the task is not read.
  const u = understand(textBeforeInjection(request.requested_task), catalog);
  const ko = request.lang === 'ko';

  if (u.intents.has('admin')) {
    return {
      kind: 'draft',
      policy: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'RequestedFullAccess', Effect: 'Allow', Action: '*', Resource: '*' }],
      },
      description: 'Full administrator access, as requested',
      notes: [ko ? '전체 관리자 권한을 요청했습니다.' : 'The request asks for full administrator access.'],
    };
  }

  const scope = { partition: request.partition, region: request.region, account: request.account_id };
  const { grants, missing } = selectGrants(u, scope, catalog);

  if (u.intents.has('passrole')) {
    const passRole = catalog.action('iam:PassRole');
    if (passRole) {
      grants.push({
        action: passRole,
        resources: [`arn:${scope.partition}:iam::${scope.account}:role/*`],
        reason: 'passing roles, as requested',
      });
    }
  }

  if (grants.length === 0 || missing.length > 0) {
    return {
      kind: 'needs_info',
      missing,
      message: needsInfoMessage(request, missing, u.services.size === 0),
    };
  }

  const statements = groupStatements(grants, request.region);
  const services = [...new Set(grants.map((g) => g.action.service))];
  return {
    kind: 'draft',
    policy: { Version: '2012-10-17', Statement: statements },
    description: `Temporary access for ${request.identityName}: ${services.join(', ')} (${grants.length} actions)`,
    notes: describeUnderstanding(
      u.resources.map((r) => r.label),
      services,
      ko,
    ),
  };
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** One statement per service and set of resources, actions sorted, so drafts are stable. */
function groupStatements(grants: readonly Grant[], region: string): PolicyStatement[] {
  const groups = new Map<string, Grant[]>();
  for (const g of grants) {
    const key = `${g.action.service}|${[...g.resources].sort().join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), g]);
  }
  const statements: PolicyStatement[] = [];
  const sids = new Set<string>();
  for (const [key, group] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const service = key.slice(0, key.indexOf('|'));
    const resources = [...group[0]!.resources].sort();
    const anyResource = resources.length === 1 && resources[0] === '*';
    let sid = `${pascal(service)}${anyResource ? 'AccountWide' : 'Scoped'}`;
    for (let n = 2; sids.has(sid); n++) sid = `${sid.replace(/\d+$/, '')}${n}`;
    sids.add(sid);
    const statement: PolicyStatement = {
      Sid: sid,
      Effect: 'Allow',
      Action: group.map((g) => g.action.key).sort(),
      Resource: resources.length === 1 ? resources[0]! : resources,
    };
    // Actions without resource-level permissions are held to the requested region instead.
    if (anyResource && !GLOBAL_SERVICES.has(service)) {
      statement.Condition = { StringEquals: { 'aws:RequestedRegion': region } };
    }
    statements.push(statement);
  }
  return statements;
}

function describeUnderstanding(
  resources: readonly string[],
  services: readonly string[],
  ko: boolean,
): string[] {
  const notes = [ko ? `서비스: ${services.join(', ')}` : `Services: ${services.join(', ')}`];
  if (resources.length > 0)
    notes.push(ko ? `대상 리소스: ${resources.join(', ')}` : `Resources: ${resources.join(', ')}`);
  return notes;
}

function needsInfoMessage(request: AccessRequest, missing: readonly string[], noService: boolean): string {
  if (request.lang === 'ko') {
    if (noService) {
      return '요청하신 작업에 어떤 AWS 서비스가 필요한지 알 수 없습니다. 사용하려는 서비스(예: S3, DynamoDB, Lambda), 하려는 작업(조회, 목록 보기, 쓰기, 실행 등), 대상 리소스 이름(버킷, 테이블, 함수 등)을 알려 주세요.';
    }
    return `${missing.join(', ')}에서 어떤 작업이 필요한지 알 수 없습니다. 하려는 작업(조회, 목록 보기, 쓰기, 삭제, 실행 등)과 대상 리소스 이름을 알려 주세요.`;
  }
  if (noService) {
    return 'I could not tell which AWS service this request needs. Please say which service (for example S3, DynamoDB, Lambda), what you need to do (read, list, write, invoke, ...) and the names of the resources (bucket, table, function, ...).';
  }
  return `I could not tell what you need to do with ${missing.join(', ')}. Please say what you need to do (read, list, write, delete, invoke, ...) and the names of the resources involved.`;
}
