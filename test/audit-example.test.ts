// The audit of data/accounts/example-authz-details.json (3 users, 2 groups, 3 roles, 32 managed
// policies), principal by principal. The expectations below were worked out by reading the
// account's policies, not by copying the audit's output; each comment says why a finding is (or
// is not) there.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readAuthorizationDetails, runAudit } from '../src/audit/index.ts';
import type { AuditFinding, AuditResult, PolicyEvidence } from '../src/audit/index.ts';

const FILE = new URL('../../shared/data/accounts/example-authz-details.json', import.meta.url);
const NOW = new Date('2025-06-01T00:00:00Z');
const ARN = (name: string) => `arn:aws:iam::012345678901:${name}`;

let audit: Promise<AuditResult> | undefined;
function result(): Promise<AuditResult> {
  audit ??= runAudit(readAuthorizationDetails(readFileSync(FILE, 'utf8'), { source: 'example' }), {
    now: NOW,
  });
  return audit;
}

async function of(principal: string): Promise<AuditFinding[]> {
  return (await result()).findings.filter((f) => f.principal === ARN(principal));
}

/** check:severity for each finding of a principal, sorted. */
async function summary(principal: string): Promise<string[]> {
  return (await of(principal)).map((f) => `${f.check}:${f.severity}`).sort();
}

const policyEvidence = (f: AuditFinding | undefined) =>
  (f?.evidence ?? []).filter((e): e is PolicyEvidence => e.kind === 'policy');

describe('example-authz-details.json', () => {
  it('reads the whole account', async () => {
    const r = await result();
    expect(r.accountId).toBe('012345678901');
    expect(r.counts).toEqual({ users: 3, groups: 2, roles: 3, policies: 32 });
    // No credential report was given, so its checks did not run; everything else did.
    expect(r.checksRun).not.toContain('root-without-mfa');
    expect(r.checksRun).toContain('privilege-escalation');
  });

  it('group/admin: AdministratorAccess ("*" on "*") is full admin, and nothing more is said', async () => {
    expect(await summary('group/admin')).toEqual(['full-admin:critical']);
    const [evidence] = policyEvidence((await of('group/admin'))[0]);
    expect(evidence).toMatchObject({
      policy: 'AdministratorAccess',
      policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      attachedTo: ARN('group/admin'),
      statement: 0,
    });
  });

  it('user/obama: AdministratorAccess twice, attached directly and through group admin', async () => {
    expect(await summary('user/obama')).toEqual(['full-admin:critical']);
    expect(policyEvidence((await of('user/obama'))[0]).map((e) => e.attachedTo)).toEqual([
      ARN('user/obama'),
      ARN('group/admin'),
    ]);
  });

  it('user/userwithlotsofpermissions: admin through group admin; its S3 inline policy adds nothing to report', async () => {
    expect(await summary('user/userwithlotsofpermissions')).toEqual(['full-admin:critical']);
    expect(policyEvidence((await of('user/userwithlotsofpermissions'))[0]).map((e) => e.attachedTo)).toEqual([
      ARN('group/admin'),
    ]);
  });

  it('user/biden: AWSLambdaFullAccess + AmazonRDSFullAccess (group biden) + S3 inline policies', async () => {
    expect(await summary('user/biden')).toEqual([
      // s3:GetObject(Version), dynamodb:*, logs:*, lambda:GetFunction on every resource
      'data-exfiltration:medium',
      // lambda:UpdateFunctionCode and lambda:UpdateFunctionConfiguration (lambda:*) run code as
      // the role of existing functions; iam:PassRole + lambda:CreateFunction + InvokeFunction
      // would too, but no role in the account trusts lambda.amazonaws.com, so that one is latent.
      'privilege-escalation:low',
      'privilege-escalation:medium',
      'privilege-escalation:medium',
      // s3:*, lambda:*, events:*, logs:*, dynamodb:*, and rds:* through the group
      'resource-exposure:medium',
      // s3:* and lambda:* (sensitive services), cloudwatch:*, logs:*, dynamodb:*, events:*, rds:*
      'service-wildcard:low',
      'service-wildcard:low',
      'service-wildcard:low',
      'service-wildcard:low',
      'service-wildcard:low',
      'service-wildcard:medium',
      'service-wildcard:medium',
    ]);
    const findings = await of('user/biden');
    const wildcards = findings.filter((f) => f.check === 'service-wildcard').map((f) => f.title);
    for (const service of [
      'S3',
      'Lambda',
      'CloudWatch',
      'CloudWatch Logs',
      'DynamoDB',
      'EventBridge',
      'RDS',
    ]) {
      expect(wildcards.some((t) => t.includes(` ${service} action`))).toBe(true);
    }
    // pi:* is granted only on arn:aws:pi:*:*:metrics/rds/*, not on every resource.
    expect(wildcards.some((t) => t.includes('Performance Insights'))).toBe(false);
    const exfil = findings.find((f) => f.check === 'data-exfiltration')!;
    expect(exfil.details).toContain('s3:GetObject');
    expect(exfil.details).toContain('dynamodb:Scan');
    expect(exfil.details).toContain('lambda:GetFunction');
    // kms:ListAliases is not kms:Decrypt; sqs:SendMessage is not sqs:ReceiveMessage.
    expect(exfil.details).not.toContain('kms:Decrypt');
    expect(exfil.details).not.toContain('sqs:ReceiveMessage');
    // s3:GetObject comes from three statements: the user's inline policy, the group's inline
    // policy and AWSLambdaFullAccess's s3:*.
    const getObject = policyEvidence(exfil).filter((e) => e.action?.split(', ').includes('s3:GetObject'));
    expect(getObject.map((e) => e.policy).sort()).toEqual([
      'AWSLambdaFullAccess',
      'InlinePolicyForBidenGroup',
      'InsecureUserPolicy',
    ]);
    const latent = findings.find((f) => f.check === 'privilege-escalation' && f.severity === 'low')!;
    expect(latent.title).toContain('lambda.amazonaws.com');
    expect(latent.title).toContain('no such role today');
    const exposure = findings.find((f) => f.check === 'resource-exposure')!;
    expect(exposure.details).toContain('s3:PutBucketPolicy');
    expect(exposure.details).toContain('rds:ModifyDBSnapshotAttribute');
    expect(exposure.details).toContain('lambda:AddPermission');
    // Nothing lets biden create or read credentials, and the IAM actions it has are read-only.
    expect(findings.map((f) => f.check)).not.toContain('credentials-exposure');
    expect(findings.map((f) => f.check)).not.toContain('effective-admin');
  });

  it('group/biden: S3 inline policy and AmazonRDSFullAccess on their own', async () => {
    expect(await summary('group/biden')).toEqual([
      'data-exfiltration:medium', // s3:GetObject (inline), logs:GetLogEvents (AmazonRDSFullAccess)
      'resource-exposure:medium', // s3:PutObjectAcl, rds:Modify*SnapshotAttribute
      'service-wildcard:low', // rds:*
    ]);
    const exfil = (await of('group/biden')).find((f) => f.check === 'data-exfiltration')!;
    expect(exfil.title).toContain('s3:GetObject, logs:GetLogEvents');
  });

  for (const role of ['MyRole', 'MyOtherRole']) {
    it(`role/${role}: PassRole on "*" with ec2:AssociateIamInstanceProfile reaches OverprivilegedEC2`, async () => {
      expect(await summary(`role/${role}`)).toEqual([
        // OverprivilegedEC2 is the one role EC2 can assume; it is not an administrator itself.
        'privilege-escalation:high',
        // RoleLastUsed is empty: never used since 2019.
        'role-unused:info',
        // Trusts ssm.amazonaws.com with no aws:SourceArn/aws:SourceAccount.
        'trust-service-without-source:low',
      ]);
      const escalation = (await of(`role/${role}`)).find((f) => f.check === 'privilege-escalation')!;
      expect(escalation.title).toContain('role/OverprivilegedEC2');
      expect(policyEvidence(escalation).map((e) => [e.action, e.resource])).toEqual([
        ['iam:PassRole', ARN('role/OverprivilegedEC2')],
        [
          'ec2:AssociateIamInstanceProfile',
          'arn:aws:ec2:us-east-1:012345678901:instance/grantflow-audit-probe',
        ],
      ]);
    });
  }

  it('role/OverprivilegedEC2: iam:CreateAccessKey on "*" lets it become user/obama, an administrator', async () => {
    expect(await summary('role/OverprivilegedEC2')).toEqual([
      'credentials-exposure:high', // iam:CreateAccessKey for any user
      'data-exfiltration:medium', // secretsmanager:GetSecretValue, s3:GetObject on "*"
      'privilege-escalation:critical', // keys for obama (admin users are tried first)
      'resource-exposure:medium', // s3:PutObjectAcl from InsecurePolicy
      'role-unused:info', // last used 2019-01-20
      'trust-service-without-source:low', // ec2.amazonaws.com without a source condition
    ]);
    const escalation = (await of('role/OverprivilegedEC2')).find((f) => f.check === 'privilege-escalation')!;
    expect(escalation.title).toContain('user/obama');
    expect(policyEvidence(escalation)[0]).toMatchObject({
      policy: 'SupYo',
      inline: true,
      sid: 'VisualEditor0',
      action: 'iam:CreateAccessKey',
      resource: ARN('user/obama'),
    });
    const exposure = (await of('role/OverprivilegedEC2')).find((f) => f.check === 'resource-exposure')!;
    expect(policyEvidence(exposure).map((e) => e.policyArn)).toEqual([ARN('policy/InsecurePolicy')]);
  });

  it('says nothing else: no grantflow leftovers, no unreadable policies, no trust beyond services', async () => {
    const principals = new Set((await result()).findings.map((f) => f.principal));
    expect([...principals].sort()).toEqual(
      [
        'group/admin',
        'group/biden',
        'role/MyOtherRole',
        'role/MyRole',
        'role/OverprivilegedEC2',
        'user/biden',
        'user/obama',
        'user/userwithlotsofpermissions',
      ].map(ARN),
    );
    expect((await result()).findings).toHaveLength(30);
  });

  it('fingerprints are unique and stable from one scan to the next', async () => {
    const first = (await result()).findings.map((f) => f.fingerprint);
    expect(new Set(first).size).toBe(first.length);
    const again = await runAudit(readAuthorizationDetails(readFileSync(FILE, 'utf8')), {
      now: new Date('2025-07-01T00:00:00Z'),
    });
    expect(again.findings.map((f) => f.fingerprint).sort()).toEqual([...first].sort());
  });
});
