// The IAM User Guide's evaluation rules, each with an example in the spirit of the guide's own.
import { describe, expect, it } from 'vitest';
import { RequestError, compilePolicySet, decide, explain } from './index.ts';
import type { EvaluationRequest, PolicySetInput } from './index.ts';

const A = '111122223333';
const B = '444455556666';
const ALICE = `arn:aws:iam::${A}:user/alice`;
const BOB = `arn:aws:iam::${A}:user/bob`;
const ROLE = `arn:aws:iam::${A}:role/app`;
const SESSION = `arn:aws:sts::${A}:assumed-role/app/build-42`;

type Statement = Record<string, unknown>;
const policy = (...statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });
const allow = (action: unknown, resource: unknown = '*', extra: Statement = {}) => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
  ...extra,
});
const deny = (action: unknown, resource: unknown = '*', extra: Statement = {}) => ({
  Effect: 'Deny',
  Action: action,
  Resource: resource,
  ...extra,
});
const FULL_ACCESS = policy(allow('*'));

function check(set: PolicySetInput, request: EvaluationRequest) {
  const compiled = compilePolicySet(set);
  const e = explain(compiled, request);
  // The fast path and the explaining path must always agree.
  expect(decide(compiled, request)).toBe(e.decision);
  return e;
}

const outcome = (set: PolicySetInput, request: EvaluationRequest) => {
  const e = check(set, request);
  return [e.decision, e.blockedBy];
};

describe('identity-based and resource-based policies in one account', () => {
  // The guide's example: Carlos may use his own bucket, and nothing with "log" in its name.
  const carlos = `arn:aws:iam::${A}:user/carlossalazar`;
  const identity = policy(
    { Sid: 'AllowS3ListRead', ...allow(['s3:GetBucketLocation', 's3:ListAllMyBuckets'], 'arn:aws:s3:::*') },
    { Sid: 'AllowS3Self', ...allow('s3:*', ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar']) },
    { Sid: 'DenyS3Logs', ...deny('s3:*', 'arn:aws:s3:::*log*') },
  );
  const bucketPolicy = policy(
    allow('s3:*', ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar'], {
      Principal: { AWS: carlos },
    }),
  );

  it('an explicit deny overrides every allow', () => {
    const put = {
      principal: carlos,
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::carlossalazar-logs/today.log',
    };
    expect(outcome({ identityPolicies: [identity], resourcePolicy: bucketPolicy }, put)).toEqual([
      'ExplicitlyDenied',
      'identity',
    ]);
  });

  it('allows when either the identity policy or the resource policy allows', () => {
    const put = {
      principal: carlos,
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::carlossalazar/notes.txt',
    };
    expect(outcome({ identityPolicies: [identity], resourcePolicy: bucketPolicy }, put)).toEqual([
      'Allowed',
      null,
    ]);
    expect(outcome({ resourcePolicy: bucketPolicy }, put)).toEqual(['Allowed', null]);
    expect(outcome({ identityPolicies: [identity] }, put)).toEqual(['Allowed', null]);
    expect(outcome({}, put)).toEqual(['ImplicitlyDenied', 'identity']);
  });

  it('tells implicit from explicit denies', () => {
    // The guide's AllowGetList/DenyReports policy.
    const iam = policy(
      { Sid: 'AllowGetList', ...allow(['iam:Get*', 'iam:List*']) },
      { Sid: 'DenyReports', ...deny('iam:*Report') },
    );
    const ask = (action: string) =>
      outcome({ identityPolicies: [iam] }, { principal: ALICE, action, resource: '*' })[0];
    expect(ask('iam:GetUser')).toBe('Allowed');
    expect(ask('iam:CreatePolicy')).toBe('ImplicitlyDenied');
    expect(ask('iam:GetOrganizationsAccessReport')).toBe('ExplicitlyDenied');
    expect(ask('IAM:getuser')).toBe('Allowed');
  });

  it('unions several identity policies (a user and its groups)', () => {
    const set = { identityPolicies: [policy(allow('s3:GetObject')), policy(allow('sqs:SendMessage'))] };
    expect(outcome(set, { principal: ALICE, action: 'sqs:SendMessage', resource: '*' })[0]).toBe('Allowed');
    expect(outcome(set, { principal: ALICE, action: 'sns:Publish', resource: '*' })[0]).toBe(
      'ImplicitlyDenied',
    );
  });

  it('a resource policy naming only the account delegates to the identity policies', () => {
    const bucket = policy(
      allow('s3:GetObject', 'arn:aws:s3:::shared/*', { Principal: { AWS: `arn:aws:iam::${A}:root` } }),
    );
    const get = { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::shared/a' };
    expect(outcome({ resourcePolicy: bucket }, get)).toEqual(['ImplicitlyDenied', 'identity']);
    expect(
      outcome({ resourcePolicy: bucket, identityPolicies: [policy(allow('s3:GetObject'))] }, get),
    ).toEqual(['Allowed', null]);
    expect(check({ resourcePolicy: bucket }, get).resourceGrant).toBe('account');
  });

  it('the root user needs no identity policy in its own account', () => {
    const root = { principal: `arn:aws:iam::${A}:root`, action: 'ec2:TerminateInstances', resource: '*' };
    expect(outcome({}, root)).toEqual(['Allowed', null]);
    expect(outcome({ identityPolicies: [policy(deny('*'))] }, root)[0]).toBe('Allowed');
    expect(check({}, { ...root, principal: A }).principalKind).toBe('root');
  });
});

describe('NotAction and NotResource', () => {
  it('Allow with NotAction allows everything but the listed actions', () => {
    const set = { identityPolicies: [policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })] };
    expect(outcome(set, { principal: ALICE, action: 's3:GetObject', resource: '*' })[0]).toBe('Allowed');
    expect(outcome(set, { principal: ALICE, action: 'iam:CreateUser', resource: '*' })[0]).toBe(
      'ImplicitlyDenied',
    );
  });

  it('Deny with NotResource denies every resource but the listed ones', () => {
    const set = {
      identityPolicies: [
        policy(allow('s3:*'), {
          Effect: 'Deny',
          Action: 's3:*',
          NotResource: ['arn:aws:s3:::only', 'arn:aws:s3:::only/*'],
        }),
      ],
    };
    expect(
      outcome(set, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::only/k' })[0],
    ).toBe('Allowed');
    expect(
      outcome(set, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::other/k' }),
    ).toEqual(['ExplicitlyDenied', 'identity']);
  });

  it('Deny with NotAction and a condition: outside two regions, only global services', () => {
    const set = {
      identityPolicies: [
        policy(allow('*'), {
          Effect: 'Deny',
          NotAction: ['iam:*', 'sts:*', 'organizations:*'],
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-central-1', 'eu-west-1'] } },
        }),
      ],
    };
    const ask = (action: string, region: string) =>
      outcome(set, {
        principal: ALICE,
        action,
        resource: '*',
        context: { 'aws:RequestedRegion': region },
      })[0];
    expect(ask('ec2:RunInstances', 'us-east-1')).toBe('ExplicitlyDenied');
    expect(ask('ec2:RunInstances', 'eu-west-1')).toBe('Allowed');
    expect(ask('iam:CreateRole', 'us-east-1')).toBe('Allowed');
  });
});

describe('resource matching', () => {
  it('matches ARN parts separately: a wildcard does not cross a colon before the resource part', () => {
    const set = { identityPolicies: [policy(allow('sqs:*', `arn:aws:sqs:us-*:${A}:jobs-*`))] };
    const ask = (resource: string) =>
      outcome(set, { principal: ALICE, action: 'sqs:SendMessage', resource })[0];
    expect(ask(`arn:aws:sqs:us-east-1:${A}:jobs-a`)).toBe('Allowed');
    expect(ask(`arn:aws:sqs:eu-west-1:${A}:jobs-a`)).toBe('ImplicitlyDenied');
    expect(ask(`arn:aws:sqs:us-east-1:x:${A}:jobs-a`)).toBe('ImplicitlyDenied');
  });

  it('is case-sensitive for resources and case-insensitive for actions', () => {
    const set = { identityPolicies: [policy(allow('S3:getobject', 'arn:aws:s3:::Bucket/*'))] };
    expect(
      outcome(set, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::Bucket/k' })[0],
    ).toBe('Allowed');
    expect(
      outcome(set, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/k' })[0],
    ).toBe('ImplicitlyDenied');
  });

  it('substitutes policy variables in Resource (2012-10-17): each user gets their own folder', () => {
    const set = { identityPolicies: [policy(allow('s3:*', 'arn:aws:s3:::home/${aws:username}/*'))] };
    expect(
      outcome(set, { principal: ALICE, action: 's3:PutObject', resource: 'arn:aws:s3:::home/alice/x' })[0],
    ).toBe('Allowed');
    expect(
      outcome(set, { principal: ALICE, action: 's3:PutObject', resource: 'arn:aws:s3:::home/bob/x' })[0],
    ).toBe('ImplicitlyDenied');
    // A role session has no aws:username, so the element matches nothing.
    const e = check(set, { principal: SESSION, action: 's3:PutObject', resource: 'arn:aws:s3:::home/app/x' });
    expect(e.decision).toBe('ImplicitlyDenied');
    expect(e.missingContextKeys).toEqual(['aws:username']);
  });

  it('uses variable defaults and escapes in Resource', () => {
    const set = {
      identityPolicies: [
        policy(
          allow('s3:GetObject', [
            "arn:aws:s3:::teams/${aws:PrincipalTag/team, 'none'}/*",
            'arn:aws:s3:::odd/${*}',
          ]),
        ),
      ],
    };
    const ask = (resource: string, context = {}) =>
      outcome(set, { principal: ALICE, action: 's3:GetObject', resource, context })[0];
    expect(ask('arn:aws:s3:::teams/red/k', { 'aws:PrincipalTag/team': 'red' })).toBe('Allowed');
    expect(ask('arn:aws:s3:::teams/none/k')).toBe('Allowed');
    expect(ask('arn:aws:s3:::teams/red/k')).toBe('ImplicitlyDenied');
    expect(ask('arn:aws:s3:::odd/*')).toBe('Allowed');
    expect(ask('arn:aws:s3:::odd/anything')).toBe('ImplicitlyDenied');
  });

  it('leaves variables as text in Version 2008-10-17', () => {
    const set = {
      identityPolicies: [
        { Version: '2008-10-17', Statement: [allow('s3:*', 'arn:aws:s3:::home/${aws:username}/*')] },
      ],
    };
    expect(
      outcome(set, { principal: ALICE, action: 's3:PutObject', resource: 'arn:aws:s3:::home/alice/x' })[0],
    ).toBe('ImplicitlyDenied');
    expect(
      outcome(set, {
        principal: ALICE,
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::home/${aws:username}/x',
      })[0],
    ).toBe('Allowed');
  });
});

describe('permissions boundaries', () => {
  // The guide's Shirley: her boundary allows S3, CloudWatch and EC2 only.
  const boundary = policy(allow(['s3:*', 'cloudwatch:*', 'ec2:*']));
  const identity = policy(allow('iam:CreateUser'), allow('s3:GetObject'));

  it('the effective permissions are the intersection of identity policies and boundary', () => {
    const set = { identityPolicies: [identity], permissionsBoundaries: [boundary] };
    expect(outcome(set, { principal: ALICE, action: 'iam:CreateUser', resource: '*' })).toEqual([
      'ImplicitlyDenied',
      'boundary',
    ]);
    expect(outcome(set, { principal: ALICE, action: 's3:GetObject', resource: '*' })).toEqual([
      'Allowed',
      null,
    ]);
    // The boundary alone grants nothing.
    expect(
      outcome(
        { permissionsBoundaries: [boundary] },
        { principal: ALICE, action: 'ec2:RunInstances', resource: '*' },
      ),
    ).toEqual(['ImplicitlyDenied', 'identity']);
  });

  it('an explicit deny in the boundary wins', () => {
    const set = {
      identityPolicies: [FULL_ACCESS],
      permissionsBoundaries: [policy(allow('*'), deny('s3:DeleteBucket'))],
    };
    expect(outcome(set, { principal: ALICE, action: 's3:DeleteBucket', resource: '*' })).toEqual([
      'ExplicitlyDenied',
      'boundary',
    ]);
  });

  it("does not limit a resource policy that names the IAM user (the guide's Secrets Manager example)", () => {
    const secret = `arn:aws:secretsmanager:us-east-1:${A}:secret:db-AbCdEf`;
    const secretPolicy = policy(allow('secretsmanager:GetSecretValue', '*', { Principal: { AWS: ALICE } }));
    const set = {
      identityPolicies: [identity],
      permissionsBoundaries: [boundary],
      resourcePolicy: secretPolicy,
    };
    const e = check(set, { principal: ALICE, action: 'secretsmanager:GetSecretValue', resource: secret });
    expect([e.decision, e.resourceGrant, e.policyTypes.boundary]).toEqual([
      'Allowed',
      'direct',
      'ImplicitlyDenied',
    ]);
  });

  it('limits a resource policy that names the role, not one that names the session', () => {
    const queue = `arn:aws:sqs:us-east-1:${A}:jobs`;
    const naming = (who: string) => policy(allow('sqs:SendMessage', queue, { Principal: { AWS: who } }));
    const set = (who: string) => ({
      permissionsBoundaries: [policy(allow('s3:*'))],
      resourcePolicy: naming(who),
    });
    const send = { principal: SESSION, action: 'sqs:SendMessage', resource: queue };
    expect(outcome(set(ROLE), send)).toEqual(['ImplicitlyDenied', 'boundary']);
    expect(outcome(set(SESSION), send)).toEqual(['Allowed', null]);
    // Without a boundary, naming the role is enough in the role's own account.
    expect(outcome({ resourcePolicy: naming(ROLE) }, send)).toEqual(['Allowed', null]);
  });

  it('a Deny with NotPrincipal denies every principal that has a boundary, even one it lists', () => {
    const bucket = policy(allow('s3:GetObject', 'arn:aws:s3:::b/*', { Principal: { AWS: ALICE } }), {
      Effect: 'Deny',
      NotPrincipal: { AWS: [ALICE, `arn:aws:iam::${A}:root`] },
      Action: 's3:*',
      Resource: 'arn:aws:s3:::b/*',
    });
    const get = { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };
    expect(outcome({ resourcePolicy: bucket }, get)).toEqual(['Allowed', null]);
    expect(outcome({ resourcePolicy: bucket, permissionsBoundaries: [FULL_ACCESS] }, get)).toEqual([
      'ExplicitlyDenied',
      'resource',
    ]);
  });
});

describe('session policies', () => {
  const identity = policy(allow('s3:*'));
  const session = policy(allow('s3:GetObject'));

  it("a role session's permissions are the intersection of the role's policies and the session policy", () => {
    const set = { identityPolicies: [identity], sessionPolicy: session };
    expect(outcome(set, { principal: SESSION, action: 's3:GetObject', resource: '*' })).toEqual([
      'Allowed',
      null,
    ]);
    expect(outcome(set, { principal: SESSION, action: 's3:PutObject', resource: '*' })).toEqual([
      'ImplicitlyDenied',
      'session',
    ]);
    expect(
      outcome(
        { identityPolicies: [identity] },
        { principal: SESSION, action: 's3:PutObject', resource: '*' },
      )[0],
    ).toBe('Allowed');
  });

  it('a resource policy naming the session grants past the session policy; naming the role does not', () => {
    const naming = (who: string) => policy(allow('s3:PutObject', '*', { Principal: { AWS: who } }));
    const put = { principal: SESSION, action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' };
    expect(outcome({ sessionPolicy: session, resourcePolicy: naming(SESSION) }, put)).toEqual([
      'Allowed',
      null,
    ]);
    expect(outcome({ sessionPolicy: session, resourcePolicy: naming(ROLE) }, put)).toEqual([
      'ImplicitlyDenied',
      'session',
    ]);
  });

  it('do not apply to IAM users', () => {
    const e = check(
      { identityPolicies: [identity], sessionPolicy: session },
      { principal: ALICE, action: 's3:PutObject', resource: '*' },
    );
    expect([e.decision, e.policyTypes.session]).toEqual(['Allowed', 'NotApplicable']);
  });

  describe('federated users (GetFederationToken)', () => {
    const fed = `arn:aws:sts::${A}:federated-user/carol`;
    it("without a session policy the user's identity policies give the session nothing", () => {
      expect(
        outcome({ identityPolicies: [identity] }, { principal: fed, action: 's3:GetObject', resource: '*' }),
      ).toEqual(['ImplicitlyDenied', 'session']);
      expect(
        outcome(
          { identityPolicies: [identity], sessionPolicy: session },
          { principal: fed, action: 's3:GetObject', resource: '*' },
        ),
      ).toEqual(['Allowed', null]);
    });

    it('a resource policy naming the federated user grants directly; naming the user who federated does not', () => {
      const naming = (who: string) => policy(allow('s3:GetObject', '*', { Principal: { AWS: who } }));
      const get = {
        principal: fed,
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::b/k',
        sessionIssuer: BOB,
      };
      expect(outcome({ resourcePolicy: naming(fed) }, get)).toEqual(['Allowed', null]);
      expect(outcome({ resourcePolicy: naming(BOB) }, get)).toEqual(['ImplicitlyDenied', 'session']);
      expect(outcome({ resourcePolicy: naming(BOB), sessionPolicy: session }, get)).toEqual([
        'Allowed',
        null,
      ]);
    });
  });
});

describe('service control policies', () => {
  const get = { principal: ALICE, action: 's3:GetObject', resource: '*' };
  const run = { principal: ALICE, action: 'ec2:RunInstances', resource: '*' };

  it('an empty list of levels means the account is not in an organization', () => {
    expect(outcome({ identityPolicies: [FULL_ACCESS], serviceControlPolicies: [] }, run)).toEqual([
      'Allowed',
      null,
    ]);
  });

  it('every level must allow', () => {
    const set = {
      identityPolicies: [FULL_ACCESS],
      serviceControlPolicies: [[FULL_ACCESS], [policy(allow('s3:*'))]],
    };
    expect(outcome(set, get)).toEqual(['Allowed', null]);
    expect(outcome(set, run)).toEqual(['ImplicitlyDenied', 'scp']);
  });

  it('allows when any policy of a level allows', () => {
    const set = {
      identityPolicies: [FULL_ACCESS],
      serviceControlPolicies: [[policy(allow('s3:*')), policy(allow('ec2:*'))]],
    };
    expect(outcome(set, run)).toEqual(['Allowed', null]);
  });

  it('a level with no policies denies', () => {
    expect(
      outcome({ identityPolicies: [FULL_ACCESS], serviceControlPolicies: [[FULL_ACCESS], []] }, get),
    ).toEqual(['ImplicitlyDenied', 'scp']);
  });

  it('grants nothing by itself', () => {
    expect(outcome({ serviceControlPolicies: [[FULL_ACCESS]] }, get)).toEqual([
      'ImplicitlyDenied',
      'identity',
    ]);
  });

  it("applies to the member account's root user too", () => {
    const set = { serviceControlPolicies: [[policy(allow('*'), deny('ec2:*'))]] };
    expect(outcome(set, { ...run, principal: `arn:aws:iam::${A}:root` })).toEqual([
      'ExplicitlyDenied',
      'scp',
    ]);
  });

  it('does not apply to service-linked roles or to service principals', () => {
    const set = { identityPolicies: [FULL_ACCESS], serviceControlPolicies: [[policy(deny('*'))]] };
    const slr = `arn:aws:sts::${A}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`;
    const e = check(set, { principal: slr, action: 'ec2:RunInstances', resource: '*' });
    expect([e.decision, e.policyTypes.scp]).toEqual(['Allowed', 'NotApplicable']);
    const bucket = policy(allow('s3:PutObject', '*', { Principal: { Service: 'logging.s3.amazonaws.com' } }));
    expect(
      outcome(
        { ...set, resourcePolicy: bucket },
        { principal: 'logging.s3.amazonaws.com', action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' },
      ),
    ).toEqual(['Allowed', null]);
  });
});

describe('resource control policies', () => {
  const bucket = 'arn:aws:s3:::data/k';
  const external = `arn:aws:iam::${B}:user/eve`;
  const perimeter = policy(allow('*', '*', { Principal: '*' }), {
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: '*',
    Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abc' } },
  });
  const open = policy(allow('s3:GetObject', 'arn:aws:s3:::data/*', { Principal: '*' }));

  it("deny access to the organization's resources from outside it, whatever the bucket policy says", () => {
    const set = { resourcePolicy: open, resourceControlPolicies: [[perimeter]] };
    const get = {
      principal: external,
      action: 's3:GetObject',
      resource: bucket,
      resourceAccount: A,
      context: { 'aws:PrincipalOrgID': 'o-xyz' },
    };
    expect(outcome({ ...set, identityPolicies: [FULL_ACCESS] }, get)).toEqual(['ExplicitlyDenied', 'rcp']);
    expect(
      outcome(
        { ...set, identityPolicies: [FULL_ACCESS] },
        { ...get, context: { 'aws:PrincipalOrgID': 'o-abc' } },
      ),
    ).toEqual(['Allowed', null]);
  });

  it('apply to anonymous callers as well', () => {
    const set = { resourcePolicy: open, resourceControlPolicies: [[perimeter]] };
    expect(
      outcome(set, { principal: '*', action: 's3:GetObject', resource: bucket, resourceAccount: A }),
    ).toEqual(['ExplicitlyDenied', 'rcp']);
    expect(
      outcome(
        { resourcePolicy: open },
        { principal: '*', action: 's3:GetObject', resource: bucket, resourceAccount: A },
      ),
    ).toEqual(['Allowed', null]);
  });

  it('every level must allow; a level with no policies denies; no levels means no organization', () => {
    const get = { principal: ALICE, action: 's3:GetObject', resource: bucket };
    const base = { identityPolicies: [FULL_ACCESS] };
    expect(
      outcome({ ...base, resourceControlPolicies: [[FULL_ACCESS], [policy(allow('sqs:*'))]] }, get),
    ).toEqual(['ImplicitlyDenied', 'rcp']);
    expect(outcome({ ...base, resourceControlPolicies: [[FULL_ACCESS], []] }, get)).toEqual([
      'ImplicitlyDenied',
      'rcp',
    ]);
    expect(outcome({ ...base, resourceControlPolicies: [] }, get)).toEqual(['Allowed', null]);
  });

  it('only apply to services that support them', () => {
    const set = {
      identityPolicies: [FULL_ACCESS],
      resourceControlPolicies: [[policy(deny('*', '*', { Principal: '*' }))]],
    };
    const e = check(set, { principal: ALICE, action: 'ec2:RunInstances', resource: '*' });
    expect([e.decision, e.policyTypes.rcp]).toEqual(['Allowed', 'NotApplicable']);
    expect(outcome(set, { principal: ALICE, action: 's3:GetObject', resource: bucket })).toEqual([
      'ExplicitlyDenied',
      'rcp',
    ]);
  });
});

describe('cross-account access', () => {
  const eve = `arn:aws:iam::${B}:user/eve`;
  const queue = `arn:aws:sqs:us-east-1:${A}:jobs`;
  const send = { principal: eve, action: 'sqs:SendMessage', resource: queue };
  const trustingB = policy(allow('sqs:SendMessage', queue, { Principal: { AWS: B } }));

  it('needs both the identity policy in the caller account and the resource policy in the resource account', () => {
    expect(outcome({ identityPolicies: [FULL_ACCESS] }, send)).toEqual(['ImplicitlyDenied', 'resource']);
    expect(outcome({ resourcePolicy: trustingB }, send)).toEqual(['ImplicitlyDenied', 'identity']);
    const e = check({ identityPolicies: [FULL_ACCESS], resourcePolicy: trustingB }, send);
    expect([e.decision, e.crossAccount, e.resourceAccount, e.resourceGrant]).toEqual([
      'Allowed',
      true,
      A,
      'account',
    ]);
  });

  it('naming the user directly still needs its own identity policy', () => {
    const naming = policy(allow('sqs:SendMessage', queue, { Principal: { AWS: eve } }));
    expect(outcome({ resourcePolicy: naming }, send)).toEqual(['ImplicitlyDenied', 'identity']);
  });

  it("the caller's boundary and SCPs still apply", () => {
    const set = { identityPolicies: [FULL_ACCESS], resourcePolicy: trustingB };
    expect(outcome({ ...set, permissionsBoundaries: [policy(allow('s3:*'))] }, send)).toEqual([
      'ImplicitlyDenied',
      'boundary',
    ]);
    expect(outcome({ ...set, serviceControlPolicies: [[policy(allow('s3:*'))]] }, send)).toEqual([
      'ImplicitlyDenied',
      'scp',
    ]);
  });

  it('takes the resource account from the request, else the ARN, else the caller', () => {
    const s3 = { principal: eve, action: 's3:GetObject', resource: 'arn:aws:s3:::their-bucket/k' };
    expect(check({ identityPolicies: [FULL_ACCESS] }, s3).crossAccount).toBe(false);
    expect(outcome({ identityPolicies: [FULL_ACCESS] }, { ...s3, resourceAccount: A })).toEqual([
      'ImplicitlyDenied',
      'resource',
    ]);
  });

  it('the root user of another account still needs the resource policy', () => {
    const root = { principal: `arn:aws:iam::${B}:root`, action: 'sqs:SendMessage', resource: queue };
    expect(outcome({}, root)).toEqual(['ImplicitlyDenied', 'resource']);
    expect(outcome({ resourcePolicy: trustingB }, root)).toEqual(['Allowed', null]);
  });
});

describe('principals in resource policies', () => {
  const object = 'arn:aws:s3:::b/k';
  const get = (principal: string) => ({
    principal,
    action: 's3:GetObject',
    resource: object,
    resourceAccount: A,
  });
  const naming = (principal: unknown) => ({
    resourcePolicy: policy(allow('s3:GetObject', '*', { Principal: principal })),
  });

  it('"*" is everyone, anonymous included; {"AWS": "*"} is every IAM identity', () => {
    expect(outcome(naming('*'), get('*'))[0]).toBe('Allowed');
    expect(outcome(naming({ AWS: '*' }), get('*'))[0]).toBe('ImplicitlyDenied');
    expect(outcome(naming({ AWS: '*' }), get(ALICE))[0]).toBe('Allowed');
  });

  it('an account id and the account root ARN mean the same account', () => {
    const withIdentity = (p: unknown) => ({ ...naming(p), identityPolicies: [policy(allow('s3:*'))] });
    const eve = `arn:aws:iam::${B}:user/eve`;
    expect(outcome(withIdentity({ AWS: B }), get(eve))[0]).toBe('Allowed');
    expect(outcome(withIdentity({ AWS: `arn:aws:iam::${B}:root` }), get(eve))[0]).toBe('Allowed');
    expect(outcome(withIdentity({ AWS: `arn:aws:iam::${A}:root` }), get(eve))[0]).toBe('ImplicitlyDenied');
    // A Principal string other than "*" names nobody.
    expect(outcome(withIdentity(B), get(eve))[0]).toBe('ImplicitlyDenied');
  });

  it('a role ARN matches every session of the role; a session ARN only that session', () => {
    const other = `arn:aws:sts::${A}:assumed-role/app/another`;
    expect(outcome(naming({ AWS: ROLE }), get(other))[0]).toBe('Allowed');
    expect(outcome(naming({ AWS: `arn:aws:iam::${A}:role/team/app` }), get(other))[0]).toBe('Allowed');
    expect(outcome(naming({ AWS: SESSION }), get(other))[0]).toBe('ImplicitlyDenied');
    expect(outcome(naming({ AWS: SESSION }), get(SESSION))[0]).toBe('Allowed');
  });

  it('Principal values take no partial wildcards', () => {
    expect(outcome(naming({ AWS: `arn:aws:iam::${A}:user/*` }), get(ALICE))[0]).toBe('ImplicitlyDenied');
  });

  it('NotPrincipal with Deny leaves out a session only when its session, role and account are all listed', () => {
    const bucket = (listed: string[]) => ({
      resourcePolicy: policy(allow('s3:GetObject', '*', { Principal: '*' }), {
        Effect: 'Deny',
        NotPrincipal: { AWS: listed },
        Action: 's3:*',
        Resource: '*',
      }),
    });
    const root = `arn:aws:iam::${A}:root`;
    expect(outcome(bucket([SESSION, ROLE, root]), get(SESSION))[0]).toBe('Allowed');
    expect(outcome(bucket([SESSION, root]), get(SESSION))[0]).toBe('ExplicitlyDenied');
    expect(outcome(bucket([ALICE, root]), get(ALICE))[0]).toBe('Allowed');
    expect(outcome(bucket([ALICE]), get(ALICE))[0]).toBe('ExplicitlyDenied');
    expect(outcome(bucket([ALICE, root]), get(BOB))[0]).toBe('ExplicitlyDenied');
  });

  it('service principals are matched by name', () => {
    const set = naming({ Service: ['cloudtrail.amazonaws.com'] });
    expect(outcome(set, get('cloudtrail.amazonaws.com'))[0]).toBe('Allowed');
    expect(outcome(set, get('config.amazonaws.com'))).toEqual(['ImplicitlyDenied', 'resource']);
  });
});

describe('role trust policies', () => {
  const target = `arn:aws:iam::${A}:role/deploy`;
  const assume = (principal: string, action = 'sts:AssumeRole') => ({ principal, action, resource: target });
  const trusting = (principal: unknown, extra: Statement = {}) =>
    policy({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra });
  const mayAssume = policy(allow('sts:AssumeRole', target));

  it('must allow explicitly, even in the same account', () => {
    const e = check({ identityPolicies: [mayAssume] }, assume(ALICE));
    expect([e.decision, e.blockedBy, e.resourcePolicyRequired]).toEqual([
      'ImplicitlyDenied',
      'resource',
      'role trust policy',
    ]);
  });

  it('trusting the account delegates to identity policies; trusting the user is enough', () => {
    const root = { AWS: `arn:aws:iam::${A}:root` };
    expect(outcome({ resourcePolicy: trusting(root) }, assume(ALICE))).toEqual([
      'ImplicitlyDenied',
      'identity',
    ]);
    expect(outcome({ resourcePolicy: trusting(root), identityPolicies: [mayAssume] }, assume(ALICE))).toEqual(
      ['Allowed', null],
    );
    expect(outcome({ resourcePolicy: trusting({ AWS: ALICE }) }, assume(ALICE))).toEqual(['Allowed', null]);
  });

  it('cross-account: the trusted account must also allow its user to assume the role', () => {
    const eve = `arn:aws:iam::${B}:user/eve`;
    const trust = trusting(
      { AWS: `arn:aws:iam::${B}:root` },
      { Condition: { StringEquals: { 'sts:ExternalId': 'x-1' } } },
    );
    const req = { ...assume(eve), context: { 'sts:ExternalId': 'x-1' } };
    expect(outcome({ resourcePolicy: trust }, req)).toEqual(['ImplicitlyDenied', 'identity']);
    expect(outcome({ resourcePolicy: trust, identityPolicies: [mayAssume] }, req)).toEqual(['Allowed', null]);
    expect(
      outcome({ resourcePolicy: trust, identityPolicies: [mayAssume] }, { ...req, context: {} }),
    ).toEqual(['ImplicitlyDenied', 'resource']);
  });

  it('lets a service assume the role it trusts, and no other service', () => {
    const trust = trusting({ Service: 'ec2.amazonaws.com' });
    expect(outcome({ resourcePolicy: trust }, assume('ec2.amazonaws.com'))).toEqual(['Allowed', null]);
    expect(outcome({ resourcePolicy: trust }, assume('lambda.amazonaws.com'))).toEqual([
      'ImplicitlyDenied',
      'resource',
    ]);
  });

  it('web identity federation: the provider in Principal and its claims in conditions', () => {
    const trust = policy({
      Effect: 'Allow',
      Principal: { Federated: 'cognito-identity.amazonaws.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool' } },
    });
    const req = {
      principal: 'cognito-identity.amazonaws.com',
      principalKind: 'identity-provider' as const,
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: target,
      context: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool' },
    };
    expect(outcome({ resourcePolicy: trust }, req)).toEqual(['Allowed', null]);
    expect(
      outcome(
        { resourcePolicy: trust },
        { ...req, context: { 'cognito-identity.amazonaws.com:aud': 'other' } },
      )[0],
    ).toBe('ImplicitlyDenied');
  });
});

describe('KMS key policies', () => {
  const key = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const decrypt = (principal: string) => ({ principal, action: 'kms:Decrypt', resource: key });
  const delegating = policy({
    Sid: 'EnableIAMPolicies',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${A}:root` },
    Action: 'kms:*',
    Resource: '*',
  });

  it('a key policy allowing the account lets identity policies grant access', () => {
    expect(
      outcome(
        { resourcePolicy: delegating, identityPolicies: [policy(allow('kms:Decrypt', key))] },
        decrypt(ALICE),
      ),
    ).toEqual(['Allowed', null]);
    expect(outcome({ resourcePolicy: delegating }, decrypt(ALICE))).toEqual(['ImplicitlyDenied', 'identity']);
  });

  it('without that statement identity policies are not enough', () => {
    const adminsOnly = policy({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', Resource: '*' });
    const e = check({ resourcePolicy: adminsOnly, identityPolicies: [FULL_ACCESS] }, decrypt(ALICE));
    expect([e.decision, e.blockedBy, e.resourcePolicyRequired]).toEqual([
      'ImplicitlyDenied',
      'resource',
      'KMS key policy',
    ]);
    expect(outcome({ identityPolicies: [FULL_ACCESS] }, decrypt(ALICE))).toEqual([
      'ImplicitlyDenied',
      'resource',
    ]);
    // The key policy can grant the role's sessions directly.
    expect(outcome({ resourcePolicy: adminsOnly }, decrypt(SESSION))).toEqual(['Allowed', null]);
  });

  it("even the account's root user needs the key policy", () => {
    const root = `arn:aws:iam::${A}:root`;
    expect(outcome({}, decrypt(root))).toEqual(['ImplicitlyDenied', 'resource']);
    expect(outcome({ resourcePolicy: delegating }, decrypt(root))).toEqual(['Allowed', null]);
  });
});

describe('VPC endpoint policies', () => {
  const endpoint = policy(allow('s3:GetObject', 'arn:aws:s3:::approved/*', { Principal: '*' }));
  const base = { identityPolicies: [FULL_ACCESS], vpcEndpointPolicies: [endpoint] };

  it('must allow requests that go through the endpoint', () => {
    expect(
      outcome(base, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::approved/k' }),
    ).toEqual(['Allowed', null]);
    expect(
      outcome(base, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::other/k' }),
    ).toEqual(['ImplicitlyDenied', 'vpcEndpoint']);
  });

  it('an explicit deny in an endpoint policy wins', () => {
    const set = {
      identityPolicies: [FULL_ACCESS],
      vpcEndpointPolicies: [
        policy(allow('*', '*', { Principal: '*' }), deny('s3:Delete*', '*', { Principal: '*' })),
      ],
    };
    expect(
      outcome(set, { principal: ALICE, action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/k' }),
    ).toEqual(['ExplicitlyDenied', 'vpcEndpoint']);
  });

  it('grant nothing by themselves', () => {
    expect(
      outcome(
        { vpcEndpointPolicies: [endpoint] },
        { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::approved/k' },
      ),
    ).toEqual(['ImplicitlyDenied', 'identity']);
  });
});

describe('requests', () => {
  const set = compilePolicySet({ identityPolicies: [FULL_ACCESS] });
  const fails = (request: unknown, field: string) => {
    try {
      decide(set, request as EvaluationRequest);
    } catch (err) {
      expect(err).toBeInstanceOf(RequestError);
      expect((err as RequestError).field).toBe(field);
      return;
    }
    throw new Error('expected a RequestError');
  };

  it('names the field that is wrong', () => {
    fails({ action: 's3:GetObject', resource: '*' }, 'principal');
    fails({ principal: ALICE, action: 'GetObject', resource: '*' }, 'action');
    fails({ principal: ALICE, action: 's3:GetObject' }, 'resource');
    fails({ principal: 'somebody', action: 's3:GetObject', resource: '*' }, 'principal');
    fails({ principal: ROLE, principalKind: 'user', action: 's3:GetObject', resource: '*' }, 'principal');
  });

  it('infers the principal kind from the ARN', () => {
    const kind = (principal: string) =>
      explain(set, { principal, action: 's3:GetObject', resource: '*' }).principalKind;
    expect(kind(ALICE)).toBe('user');
    expect(kind(ROLE)).toBe('role');
    expect(kind(SESSION)).toBe('role-session');
    expect(kind(`arn:aws:sts::${A}:federated-user/x`)).toBe('federated-user');
    expect(kind(`arn:aws:iam::${A}:root`)).toBe('root');
    expect(kind('s3.amazonaws.com')).toBe('service');
    expect(kind('*')).toBe('anonymous');
    expect(kind(`arn:aws:iam::${A}:saml-provider/corp`)).toBe('identity-provider');
  });

  it('derives principal context keys the request does not give', () => {
    const cond = (key: string, value: string) => ({
      identityPolicies: [policy(allow('s3:*', '*', { Condition: { StringEquals: { [key]: value } } }))],
    });
    const ask = (key: string, value: string, principal = ALICE) =>
      decide(compilePolicySet(cond(key, value)), {
        principal,
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::b/k',
      });
    expect(ask('aws:PrincipalArn', ALICE)).toBe('Allowed');
    expect(ask('aws:PrincipalArn', ROLE, SESSION)).toBe('Allowed');
    expect(ask('aws:PrincipalAccount', A)).toBe('Allowed');
    expect(ask('aws:username', 'alice')).toBe('Allowed');
    expect(ask('aws:PrincipalType', 'AssumedRole', SESSION)).toBe('Allowed');
    expect(ask('aws:ResourceAccount', A)).toBe('Allowed');
    expect(ask('aws:username', 'app', SESSION)).toBe('ImplicitlyDenied');
    // A value given in the context wins over the derived one.
    const given = decide(compilePolicySet(cond('aws:PrincipalArn', 'x')), {
      principal: ALICE,
      action: 's3:GetObject',
      resource: '*',
      context: { 'aws:principalarn': 'x' },
    });
    expect(given).toBe('Allowed');
  });
});
