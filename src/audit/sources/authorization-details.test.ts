import { describe, expect, it } from 'vitest';
import { AuditInputError } from '../errors.ts';
import { authorizationDetailsSnapshot, readAuthorizationDetails } from './authorization-details.ts';

const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
};
const TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

function page(overrides: Record<string, unknown> = {}) {
  return {
    UserDetailList: [
      {
        UserName: 'alice',
        UserId: 'AIDAALICE',
        Arn: 'arn:aws:iam::111122223333:user/alice',
        Path: '/',
        CreateDate: '2024-01-02 03:04:05+00:00',
        GroupList: ['devs'],
        UserPolicyList: [
          { PolicyName: 'inline', PolicyDocument: encodeURIComponent(JSON.stringify(POLICY)) },
        ],
        AttachedManagedPolicies: [{ PolicyName: 'P', PolicyArn: 'arn:aws:iam::111122223333:policy/P' }],
        PermissionsBoundary: {
          PermissionsBoundaryType: 'Policy',
          PermissionsBoundaryArn: 'arn:aws:iam::111122223333:policy/B',
        },
        Tags: [{ Key: 'team', Value: 'red' }],
      },
    ],
    GroupDetailList: [
      {
        GroupName: 'devs',
        GroupId: 'AGPADEVS',
        Arn: 'arn:aws:iam::111122223333:group/devs',
        GroupPolicyList: [{ PolicyName: 'g', PolicyDocument: POLICY }],
        AttachedManagedPolicies: [],
      },
    ],
    RoleDetailList: [
      {
        RoleName: 'app',
        RoleId: 'AROAAPP',
        Arn: 'arn:aws:iam::111122223333:role/app',
        AssumeRolePolicyDocument: JSON.stringify(TRUST),
        RolePolicyList: [],
        AttachedManagedPolicies: [],
        RoleLastUsed: { LastUsedDate: '2025-01-01T00:00:00Z', Region: 'eu-west-1' },
      },
    ],
    Policies: [
      {
        PolicyName: 'P',
        Arn: 'arn:aws:iam::111122223333:policy/P',
        Path: '/grantflow/',
        DefaultVersionId: 'v2',
        PolicyVersionList: [
          { VersionId: 'v1', IsDefaultVersion: false, Document: '{"Version":"2012-10-17","Statement":[]}' },
          { VersionId: 'v2', IsDefaultVersion: true, Document: encodeURIComponent(JSON.stringify(POLICY)) },
        ],
        Tags: [{ Key: 'grantflow:expires-at', Value: '2025-01-01T00:00:00Z' }],
      },
    ],
    ...overrides,
  };
}

describe('readAuthorizationDetails', () => {
  it('reads users, groups, roles and policies with every kind of document encoding', () => {
    const s = readAuthorizationDetails(JSON.stringify(page()), { source: 'file.json' });
    expect(s.accountId).toBe('111122223333');
    expect(s.partition).toBe('aws');
    expect(s.source).toBe('file.json');
    const [alice] = s.users;
    expect(alice).toMatchObject({
      name: 'alice',
      id: 'AIDAALICE',
      groups: ['devs'],
      attached: ['arn:aws:iam::111122223333:policy/P'],
      boundary: 'arn:aws:iam::111122223333:policy/B',
    });
    expect(alice!.createDate?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(alice!.tags.get('team')).toBe('red');
    // URL-encoded text is decoded; the parsed model keeps spans into the decoded text.
    expect(alice!.inline[0]!.document.text).toBe(JSON.stringify(POLICY));
    expect(alice!.inline[0]!.document.policy?.statements).toHaveLength(1);
    // Decoded objects (what the AWS CLI prints) become indented JSON text.
    expect(s.groups[0]!.inline[0]!.document.text).toBe(JSON.stringify(POLICY, null, 2));
    // Plain JSON text is kept as it is.
    expect(s.roles[0]!.trust.text).toBe(JSON.stringify(TRUST));
    expect(s.roles[0]!.lastUsed).toEqual({ date: new Date('2025-01-01T00:00:00Z'), region: 'eu-west-1' });
    const p = s.policies.get('arn:aws:iam::111122223333:policy/P')!;
    expect(p).toMatchObject({ awsManaged: false, path: '/grantflow/', versionCount: 2 });
    // The default version's document, not the first one's.
    expect(p.document?.policy?.statements).toHaveLength(1);
    expect(p.tags.get('grantflow:expires-at')).toBe('2025-01-01T00:00:00Z');
  });

  it('merges pages (a JSON list of responses)', () => {
    const first = page({ RoleDetailList: [], Policies: [] });
    const second = {
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: page().RoleDetailList,
      Policies: [],
    };
    const s = readAuthorizationDetails(JSON.stringify([first, second]));
    expect(s.users).toHaveLength(1);
    expect(s.roles).toHaveLength(1);
  });

  it('keeps a document that is not valid JSON as unreadable, with the reason', () => {
    const s = authorizationDetailsSnapshot([
      page({
        GroupDetailList: [
          {
            GroupName: 'g',
            Arn: 'arn:aws:iam::111122223333:group/g',
            GroupPolicyList: [{ PolicyName: 'bad', PolicyDocument: '{"Version": ' }],
          },
        ],
      }),
    ]);
    const doc = s.groups[0]!.inline[0]!.document;
    expect(doc.policy).toBeUndefined();
    expect(doc.error).toMatch(/invalid JSON at line 1/);
  });

  it.each([
    ['not JSON', '{', /is not valid JSON/],
    ['not an object', '"text"', /expected a JSON object/],
    ['not authorization details', '{"Users": []}', /not get-account-authorization-details output/],
    ['a list that is not a list', '{"UserDetailList": {}}', /UserDetailList: expected a list/],
  ])('rejects %s', (_, text, message) => {
    expect(() => readAuthorizationDetails(text)).toThrow(message);
    expect(() => readAuthorizationDetails(text)).toThrow(AuditInputError);
  });

  it.each([
    [
      'a user without Arn',
      { UserDetailList: [{ UserName: 'x' }] },
      /UserDetailList\[0\]\.Arn: expected a non-empty string/,
    ],
    [
      'an ARN that is not one',
      { UserDetailList: [{ UserName: 'x', Arn: 'user/x' }] },
      /UserDetailList\[0\]\.Arn: "user\/x" is not an ARN/,
    ],
    [
      'a bad date',
      {
        UserDetailList: [{ UserName: 'x', Arn: 'arn:aws:iam::111122223333:user/x', CreateDate: 'yesterday' }],
      },
      /UserDetailList\[0\]\.CreateDate: expected a date/,
    ],
    [
      'group names that are not strings',
      { UserDetailList: [{ UserName: 'x', Arn: 'arn:aws:iam::111122223333:user/x', GroupList: [1] }] },
      /GroupList: expected a list of group names/,
    ],
    [
      'a role without a trust policy',
      { RoleDetailList: [{ RoleName: 'r', Arn: 'arn:aws:iam::111122223333:role/r' }] },
      /RoleDetailList\[0\]\.AssumeRolePolicyDocument: missing/,
    ],
    [
      'an inline policy without a document',
      {
        UserDetailList: [
          { UserName: 'x', Arn: 'arn:aws:iam::111122223333:user/x', UserPolicyList: [{ PolicyName: 'p' }] },
        ],
      },
      /UserPolicyList\[0\]\.PolicyDocument: missing/,
    ],
    [
      'two accounts',
      {
        UserDetailList: [
          { UserName: 'a', Arn: 'arn:aws:iam::111122223333:user/a' },
          { UserName: 'b', Arn: 'arn:aws:iam::444455556666:user/b' },
        ],
      },
      /mixes several accounts \(111122223333, 444455556666\)/,
    ],
    ['no account at all', { UserDetailList: [], Policies: [] }, /cannot tell which account/],
  ])('names the field when given %s', (_, value, message) => {
    expect(() => authorizationDetailsSnapshot([value])).toThrow(message);
  });

  it('takes the account from the options for an account with no entities', () => {
    const s = authorizationDetailsSnapshot([{ UserDetailList: [] }], { accountId: '111122223333' });
    expect(s.accountId).toBe('111122223333');
  });

  it('tells AWS managed policies from customer managed ones', () => {
    const s = authorizationDetailsSnapshot([
      page({
        Policies: [
          {
            PolicyName: 'ReadOnlyAccess',
            Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
            PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: POLICY }],
          },
        ],
      }),
    ]);
    expect(s.policies.get('arn:aws:iam::aws:policy/ReadOnlyAccess')?.awsManaged).toBe(true);
  });
});
