// Leftovers: grantflow's own policies past their expiry (grantflow detaches and deletes them at
// expiry; one that still exists was missed), and roles IAM says nobody has used for a long time.
import { effectOf } from '../../policy/index.ts';
import type { ManagedPolicy, RoleEntity, AccountAnalysis } from '../../analyze/index.ts';
import type { AuditFinding, Evidence } from '../types.ts';
import { makeFinding } from './registry.ts';

export const GRANTFLOW_PATH = '/grantflow/';
export const EXPIRY_TAG = 'grantflow:expires-at';
export const ROLE_UNUSED_DAYS = 90;
const DAY_MS = 86_400_000;

/** When a grantflow policy expires: its expiry tag, else the DateLessThan aws:CurrentTime it carries. */
export function policyExpiry(policy: ManagedPolicy): { at: Date; evidence: Evidence } | undefined {
  for (const [key, value] of policy.tags) {
    if (key.toLowerCase() !== EXPIRY_TAG) continue;
    const at = new Date(value);
    if (!Number.isNaN(at.getTime()) && /^\d{4}-\d{2}-\d{2}/.test(value)) {
      return { at, evidence: { kind: 'attribute', entity: policy.arn, name: `tag ${key}`, value } };
    }
  }
  const model = policy.document?.policy;
  if (!model) return undefined;
  let latest: { at: Date; evidence: Evidence } | undefined;
  for (const s of model.statements) {
    if (effectOf(s) !== 'Allow') continue;
    // Each Allow statement ends at its own expiry; the policy grants nothing after the latest one.
    let statementEnd: Date | undefined;
    for (const c of s.condition?.entries ?? []) {
      if (c.operator !== 'DateLessThan' || c.key.toLowerCase() !== 'aws:currenttime') continue;
      for (const v of c.values) {
        const at = new Date(v.value);
        if (!Number.isNaN(at.getTime()) && (statementEnd === undefined || at < statementEnd))
          statementEnd = at;
      }
    }
    if (statementEnd === undefined) return undefined; // a statement without expiry never ends
    if (latest === undefined || statementEnd > latest.at) {
      latest = {
        at: statementEnd,
        evidence: {
          kind: 'policy',
          policy: policy.name,
          policyArn: policy.arn,
          policyType: 'identity',
          statement: s.index,
          ...(s.sid ? { sid: s.sid.value } : {}),
          span: model.json.source.span(s.node.start, s.node.end),
        },
      };
    }
  }
  return latest;
}

export function leftoverChecks(analysis: AccountAnalysis): AuditFinding[] {
  const out: AuditFinding[] = [];
  for (const policy of analysis.snapshot.policies.values()) {
    if (policy.awsManaged || !policy.path.startsWith(GRANTFLOW_PATH)) continue;
    const expiry = policyExpiry(policy);
    if (!expiry || expiry.at >= analysis.now) continue;
    const attached = analysis.attachments(policy.arn);
    out.push(
      makeFinding({
        check: 'grantflow-expired-policy',
        principal: policy.arn,
        principalType: 'policy',
        severity: attached.length > 0 ? 'medium' : 'low',
        title: `grantflow policy ${policy.name} expired ${expiry.at.toISOString()} and still exists${attached.length > 0 ? `, attached to ${attached.length} ${attached.length === 1 ? 'identity' : 'identities'}` : ''}`,
        details: `${policy.arn} expired at ${expiry.at.toISOString()}.${attached.length > 0 ? ` It is still attached to ${attached.map((e) => e.arn).join(', ')}.` : ''}`,
        evidence: [
          expiry.evidence,
          ...attached.map((e): Evidence => ({
            kind: 'attribute',
            entity: e.arn,
            name: 'attached policy',
            value: policy.arn,
          })),
        ],
      }),
    );
  }
  return out;
}

export function roleUsageCheck(role: RoleEntity, now: Date): AuditFinding[] {
  if (role.lastUsed === undefined || role.path.startsWith('/aws-service-role/')) return [];
  const since = role.lastUsed.date ?? role.createDate;
  if (since === undefined) return [];
  const days = Math.floor((now.getTime() - since.getTime()) / DAY_MS);
  if (days < ROLE_UNUSED_DAYS) return [];
  return [
    makeFinding({
      check: 'role-unused',
      principal: role.arn,
      principalType: 'role',
      title: role.lastUsed.date
        ? `role${role.path}${role.name} has not been used for ${days} days`
        : `role${role.path}${role.name} has never been used (created ${days} days ago)`,
      details: role.lastUsed.date
        ? `IAM last saw the role used on ${role.lastUsed.date.toISOString()}${role.lastUsed.region ? ` in ${role.lastUsed.region}` : ''}.`
        : 'IAM has no record of the role being used.',
      evidence: [
        {
          kind: 'attribute',
          entity: role.arn,
          name: 'RoleLastUsed.LastUsedDate',
          value: role.lastUsed.date?.toISOString() ?? 'never',
        },
      ],
    }),
  ];
}
