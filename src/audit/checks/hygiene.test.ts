import { describe, expect, it } from 'vitest';
import { authorizationDetailsSnapshot } from '../sources/authorization-details.ts';
import { AccountAnalysis } from '../../analyze/index.ts';
import { leftoverChecks, roleUsageCheck } from './hygiene.ts';

const NOW = new Date('2025-06-01T00:00:00Z');
const expiring = (at: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Grant1',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:CurrentTime': at } },
      },
    ],
  });

function snapshot(
  policies: { name: string; path: string; doc: string; tags?: Record<string, string> }[],
  attachTo?: string,
) {
  return authorizationDetailsSnapshot([
    {
      UserDetailList: [
        {
          UserName: 'bob',
          Arn: 'arn:aws:iam::111122223333:user/bob',
          AttachedManagedPolicies: attachTo ? [{ PolicyArn: attachTo }] : [],
        },
      ],
      Policies: policies.map((p) => ({
        PolicyName: p.name,
        Path: p.path,
        Arn: `arn:aws:iam::111122223333:policy${p.path}${p.name}`,
        PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: p.doc }],
        Tags: Object.entries(p.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
      })),
    },
  ]);
}

describe('grantflow leftovers', () => {
  it('reports a grantflow policy past the expiry in its tag, more severely when still attached', () => {
    const arn = 'arn:aws:iam::111122223333:policy/grantflow/req-1';
    const policies = [
      {
        name: 'req-1',
        path: '/grantflow/',
        doc: expiring('2030-01-01T00:00:00Z'),
        tags: { 'grantflow:expires-at': '2025-05-01T00:00:00Z' },
      },
    ];
    const attached = leftoverChecks(new AccountAnalysis(snapshot(policies, arn), NOW));
    expect(attached.map((f) => [f.check, f.severity, f.principal])).toEqual([
      ['grantflow-expired-policy', 'medium', arn],
    ]);
    expect(attached[0]!.evidence[0]).toEqual({
      kind: 'attribute',
      entity: arn,
      name: 'tag grantflow:expires-at',
      value: '2025-05-01T00:00:00Z',
    });
    const loose = leftoverChecks(new AccountAnalysis(snapshot(policies), NOW));
    expect(loose.map((f) => f.severity)).toEqual(['low']);
  });

  it('falls back to the expiry condition grantflow writes in every Allow statement', () => {
    const found = leftoverChecks(
      new AccountAnalysis(
        snapshot([{ name: 'req-2', path: '/grantflow/', doc: expiring('2025-05-31T00:00:00Z') }]),
        NOW,
      ),
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence[0]).toMatchObject({ kind: 'policy', sid: 'Grant1', statement: 0 });
  });

  it('leaves alone policies not yet expired, without an expiry, or outside /grantflow/', () => {
    const none = leftoverChecks(
      new AccountAnalysis(
        snapshot([
          { name: 'future', path: '/grantflow/', doc: expiring('2025-07-01T00:00:00Z') },
          {
            name: 'forever',
            path: '/grantflow/',
            doc: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
            }),
          },
          {
            name: 'other',
            path: '/',
            doc: expiring('2020-01-01T00:00:00Z'),
            tags: { 'grantflow:expires-at': '2020-01-01T00:00:00Z' },
          },
        ]),
        NOW,
      ),
    );
    expect(none).toEqual([]);
  });
});

describe('unused roles', () => {
  const role = (lastUsed: object | undefined, path = '/') =>
    authorizationDetailsSnapshot([
      {
        RoleDetailList: [
          {
            RoleName: 'r',
            Path: path,
            Arn: `arn:aws:iam::111122223333:role${path}r`,
            CreateDate: '2024-01-01T00:00:00Z',
            AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
            ...(lastUsed ? { RoleLastUsed: lastUsed } : {}),
          },
        ],
      },
    ]).roles[0]!;

  it('reports roles unused for 90 days or never used, when IAM says so', () => {
    expect(roleUsageCheck(role({ LastUsedDate: '2025-01-01T00:00:00Z' }), NOW)[0]?.title).toContain(
      '151 days',
    );
    expect(roleUsageCheck(role({}), NOW)[0]?.title).toContain('never been used');
    expect(roleUsageCheck(role({ LastUsedDate: '2025-05-01T00:00:00Z' }), NOW)).toEqual([]);
    // Sources without last-use data (the embedded IAM) say nothing about use.
    expect(roleUsageCheck(role(undefined), NOW)).toEqual([]);
    expect(roleUsageCheck(role({}, '/aws-service-role/'), NOW)).toEqual([]);
  });
});
