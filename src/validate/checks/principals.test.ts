import { describe, expect, it } from 'vitest';
import type { PolicyType } from '../../policy/index.ts';
import type { Finding } from '../finding.ts';
import { validatePolicy } from '../validate.ts';
import { principalsChecks } from './principals.ts';

const FAMILY = new Set(principalsChecks.map((c) => c.issueCode));

interface Result {
  readonly text: string;
  readonly findings: Finding[];
}

function run(policy: object, policyType: PolicyType): Result {
  const text = JSON.stringify(policy, null, 2);
  return { text, findings: validatePolicy(text, { policyType }).findings };
}

function withCode(r: Result, code: string): Finding[] {
  return r.findings.filter((f) => f.issueCode === code);
}

/** The source text a finding's location points at. */
function located(r: Result, f: Finding, i = 0): string {
  const span = f.locations[i]!.span;
  return r.text.slice(span.start.offset, span.end.offset);
}

function doc(...statements: object[]): object {
  return { Version: '2012-10-17', Statement: statements };
}

const S3_READ = { Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' };
const ROOT = { AWS: 'arn:aws:iam::111122223333:root' };
const GITHUB = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';
const SAML = 'arn:aws:iam::111122223333:saml-provider/Okta';

describe('MISSING_PRINCIPAL', () => {
  it('flags a resource policy statement without Principal, at the statement', () => {
    const r = run(doc({ Effect: 'Allow', ...S3_READ }), 'resource');
    const [f] = withCode(r, 'MISSING_PRINCIPAL');
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }]);
  });
  it('flags a trust policy statement without Principal', () => {
    const r = run(doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'trust');
    expect(withCode(r, 'MISSING_PRINCIPAL')).toHaveLength(1);
  });
  it('does not flag statements with Principal or NotPrincipal, nor identity policies', () => {
    expect(
      withCode(run(doc({ Effect: 'Allow', Principal: ROOT, ...S3_READ }), 'resource'), 'MISSING_PRINCIPAL'),
    ).toEqual([]);
    expect(
      withCode(run(doc({ Effect: 'Deny', NotPrincipal: ROOT, ...S3_READ }), 'resource'), 'MISSING_PRINCIPAL'),
    ).toEqual([]);
    expect(withCode(run(doc({ Effect: 'Allow', ...S3_READ }), 'identity'), 'MISSING_PRINCIPAL')).toEqual([]);
  });
});

describe('UNSUPPORTED_PRINCIPAL', () => {
  it.each(['identity', 'boundary', 'session'] as const)('flags Principal in a %s policy', (type) => {
    const r = run(doc({ Effect: 'Allow', Principal: ROOT, ...S3_READ }), type);
    const [f] = withCode(r, 'UNSUPPORTED_PRINCIPAL');
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Principal' }]);
  });
  it('flags NotPrincipal in an identity policy', () => {
    const r = run(doc({ Effect: 'Deny', NotPrincipal: ROOT, ...S3_READ }), 'identity');
    expect(withCode(r, 'UNSUPPORTED_PRINCIPAL')[0]?.findingDetails).toContain('NotPrincipal');
  });
  it('does not flag identity policies without principals, nor resource policies with them', () => {
    expect(withCode(run(doc({ Effect: 'Allow', ...S3_READ }), 'identity'), 'UNSUPPORTED_PRINCIPAL')).toEqual(
      [],
    );
    expect(
      withCode(
        run(doc({ Effect: 'Allow', Principal: ROOT, ...S3_READ }), 'resource'),
        'UNSUPPORTED_PRINCIPAL',
      ),
    ).toEqual([]);
  });
});

describe('INVALID_PRINCIPAL_KEY', () => {
  it('flags an unknown key at the key, suggesting the right case', () => {
    const r = run(doc({ Effect: 'Allow', Principal: { aws: '111122223333' }, ...S3_READ }), 'resource');
    const [f] = withCode(r, 'INVALID_PRINCIPAL_KEY');
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Principal' },
      { key: 'aws' },
    ]);
    expect(located(r, f!)).toBe('"aws"');
    expect(f?.findingDetails).toContain('"AWS"');
  });
  it('does not flag the four principal keys', () => {
    const principal = {
      AWS: '111122223333',
      Service: 'lambda.amazonaws.com',
      CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
      Federated: SAML,
    };
    expect(
      withCode(
        run(doc({ Effect: 'Allow', Principal: principal, ...S3_READ }), 'resource'),
        'INVALID_PRINCIPAL_KEY',
      ),
    ).toEqual([]);
  });
});

describe('INVALID_PRINCIPAL_FORMAT', () => {
  it('flags a Principal string other than "*"', () => {
    const r = run(doc({ Effect: 'Allow', Principal: '111122223333', ...S3_READ }), 'resource');
    const [f] = withCode(r, 'INVALID_PRINCIPAL_FORMAT');
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Principal' }]);
  });
  it('leaves a Principal of another JSON type to DATA_TYPE_MISMATCH', () => {
    const r = run(doc({ Effect: 'Allow', Principal: ['111122223333'], ...S3_READ }), 'resource');
    expect(withCode(r, 'INVALID_PRINCIPAL_FORMAT')).toEqual([]);
  });
  it.each([
    '11112222333', // 11 digits
    'arn:aws:iam::111122223333:group/admins', // groups cannot be principals
    'arn:aws:iam::111122223333:policy/p',
    'arn:aws:s3:::bucket',
    'arn:aws:iam:us-east-1:111122223333:role/r', // IAM ARNs have no Region
    'arn:aws:sts::111122223333:assumed-role/OnlyRole',
  ])('flags the AWS value %s', (value) => {
    const r = run(doc({ Effect: 'Allow', Principal: { AWS: value }, ...S3_READ }), 'resource');
    const [f] = withCode(r, 'INVALID_PRINCIPAL_FORMAT');
    expect(f?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Principal' },
      { value: 'AWS' },
    ]);
    expect(located(r, f!)).toBe(`"${value}"`);
  });
  it('flags a malformed canonical user id', () => {
    const r = run(doc({ Effect: 'Allow', Principal: { CanonicalUser: 'abc' }, ...S3_READ }), 'resource');
    expect(withCode(r, 'INVALID_PRINCIPAL_FORMAT')).toHaveLength(1);
  });
  it.each([
    '*',
    '111122223333',
    'arn:aws:iam::111122223333:root',
    'arn:aws:iam::111122223333:user/division/LiJuan',
    'arn:aws:iam::111122223333:role/service-role/Deployer',
    'arn:aws:sts::111122223333:assumed-role/Deployer/session-1',
    'arn:aws:sts::111122223333:federated-user/Bob',
    'arn:aws-cn:iam::111122223333:root',
    'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL',
  ])('does not flag the AWS value %s', (value) => {
    const r = run(doc({ Effect: 'Allow', Principal: { AWS: value }, ...S3_READ }), 'resource');
    expect(withCode(r, 'INVALID_PRINCIPAL_FORMAT')).toEqual([]);
  });
  it('does not flag "Principal": "*" or unique ids (those have their own warnings)', () => {
    const r = run(
      doc(
        { Effect: 'Allow', Principal: '*', ...S3_READ },
        { Effect: 'Allow', Principal: { AWS: 'AROA1234567123456D' }, ...S3_READ },
      ),
      'resource',
    );
    expect(withCode(r, 'INVALID_PRINCIPAL_FORMAT')).toEqual([]);
  });
});

describe('INVALID_SERVICE_PRINCIPAL_FORMAT', () => {
  it('flags a bare service name and suggests the host name', () => {
    const r = run(doc({ Effect: 'Allow', Principal: { Service: 'lambda' }, ...S3_READ }), 'resource');
    const [f] = withCode(r, 'INVALID_SERVICE_PRINCIPAL_FORMAT');
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Principal' },
      { value: 'Service' },
    ]);
    expect(f?.findingDetails).toContain('lambda.amazonaws.com');
  });
  it('flags upper case', () => {
    const r = run(
      doc({ Effect: 'Allow', Principal: { Service: ['EC2.amazonaws.com'] }, ...S3_READ }),
      'resource',
    );
    const [f] = withCode(r, 'INVALID_SERVICE_PRINCIPAL_FORMAT');
    expect(f?.locations[0]?.path.at(-1)).toEqual({ index: 0 });
    expect(f?.findingDetails).toContain('"ec2.amazonaws.com"');
  });
  it.each([
    'lambda.amazonaws.com',
    'logs.us-east-1.amazonaws.com',
    'ec2.amazonaws.com.cn',
    'alexa-appkit.amazon.com',
  ])('does not flag %s', (service) => {
    const r = run(doc({ Effect: 'Allow', Principal: { Service: service }, ...S3_READ }), 'resource');
    expect(withCode(r, 'INVALID_SERVICE_PRINCIPAL_FORMAT')).toEqual([]);
  });
});

describe('UNSUPPORTED_WILDCARD_IN_PRINCIPAL', () => {
  it('flags a wildcard inside an AWS ARN, at the wildcard', () => {
    const r = run(
      doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/app-*' }, ...S3_READ }),
      'resource',
    );
    const [f] = withCode(r, 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL');
    expect(f?.findingType).toBe('ERROR');
    expect(located(r, f!)).toBe('*');
    expect(f?.locations[0]?.path.at(-1)).toEqual({ substring: { start: 35, length: 1 } });
  });
  it('flags "Service": "*" and a ? in a role name of a trust policy', () => {
    const r = run(
      doc(
        { Effect: 'Allow', Principal: { Service: '*' }, ...S3_READ },
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:user/deployer?' },
          Action: 'sts:AssumeRole',
        },
      ),
      'resource',
    );
    expect(withCode(r, 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL')).toHaveLength(2);
  });
  it('does not flag {"AWS": "*"} nor exact names', () => {
    const r = run(
      doc(
        {
          Effect: 'Allow',
          Principal: { AWS: '*' },
          ...S3_READ,
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } },
        },
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/app' }, ...S3_READ },
      ),
      'resource',
    );
    expect(withCode(r, 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL')).toEqual([]);
  });
});

describe('INVALID_ROLE_REFERENCE', () => {
  it('flags a role unique id as a WARNING', () => {
    const r = run(
      doc({ Effect: 'Allow', Principal: { AWS: 'AROA1234567123456D' }, Action: 'sts:AssumeRole' }),
      'trust',
    );
    const [f] = withCode(r, 'INVALID_ROLE_REFERENCE');
    expect(f?.findingType).toBe('WARNING');
    expect(located(r, f!)).toBe('"AROA1234567123456D"');
  });
  it('does not flag role ARNs', () => {
    const r = run(
      doc({
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:role/r' },
        Action: 'sts:AssumeRole',
      }),
      'trust',
    );
    expect(withCode(r, 'INVALID_ROLE_REFERENCE')).toEqual([]);
  });
});

describe('INVALID_USER_REFERENCE', () => {
  it('flags a user unique id as a WARNING', () => {
    const r = run(
      doc({ Effect: 'Allow', Principal: { AWS: 'AIDAJQABLZS4A3QDU576Q' }, ...S3_READ }),
      'resource',
    );
    const [f] = withCode(r, 'INVALID_USER_REFERENCE');
    expect(f?.findingType).toBe('WARNING');
    expect(f?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Principal' },
      { value: 'AWS' },
    ]);
  });
  it('does not flag user ARNs or role ids', () => {
    const r = run(
      doc({
        Effect: 'Allow',
        Principal: { AWS: ['arn:aws:iam::111122223333:user/u', 'AROA1234567123456D'] },
        ...S3_READ,
      }),
      'resource',
    );
    expect(withCode(r, 'INVALID_USER_REFERENCE')).toEqual([]);
  });
});

describe('EMPTY_ARRAY_PRINCIPAL', () => {
  it('flags a principal key with no values', () => {
    const r = run(doc({ Effect: 'Allow', Principal: { AWS: [] }, ...S3_READ }), 'resource');
    const [f] = withCode(r, 'EMPTY_ARRAY_PRINCIPAL');
    expect(f?.findingType).toBe('SUGGESTION');
    expect(f?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Principal' },
      { value: 'AWS' },
    ]);
  });
  it('does not flag a list with values', () => {
    const r = run(doc({ Effect: 'Allow', Principal: { AWS: ['111122223333'] }, ...S3_READ }), 'resource');
    expect(withCode(r, 'EMPTY_ARRAY_PRINCIPAL')).toEqual([]);
  });
});

describe('EMPTY_OBJECT_PRINCIPAL', () => {
  it('flags "Principal": {}', () => {
    const r = run(doc({ Effect: 'Allow', Principal: {}, ...S3_READ }), 'resource');
    const [f] = withCode(r, 'EMPTY_OBJECT_PRINCIPAL');
    expect(f?.findingType).toBe('SUGGESTION');
    expect(located(r, f!)).toBe('{}');
  });
  it('does not flag a Principal with keys', () => {
    expect(
      withCode(
        run(doc({ Effect: 'Allow', Principal: ROOT, ...S3_READ }), 'resource'),
        'EMPTY_OBJECT_PRINCIPAL',
      ),
    ).toEqual([]);
  });
});

describe('FEDERATED_PRINCIPAL_NOT_SUPPORTED', () => {
  it('flags Federated in a bucket policy, at the key', () => {
    const r = run(doc({ Effect: 'Allow', Principal: { Federated: SAML }, ...S3_READ }), 'resource');
    const [f] = withCode(r, 'FEDERATED_PRINCIPAL_NOT_SUPPORTED');
    expect(f?.findingType).toBe('ERROR');
    expect(located(r, f!)).toBe('"Federated"');
  });
  it('does not flag Federated in a role trust policy', () => {
    const r = run(
      doc({
        Effect: 'Allow',
        Principal: { Federated: SAML },
        Action: 'sts:AssumeRoleWithSAML',
        Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
      }),
      'trust',
    );
    expect(withCode(r, 'FEDERATED_PRINCIPAL_NOT_SUPPORTED')).toEqual([]);
  });
});

describe('ALLOW_WITH_NOT_PRINCIPAL', () => {
  it('flags Allow with NotPrincipal in a resource policy', () => {
    const r = run(doc({ Effect: 'Allow', NotPrincipal: ROOT, ...S3_READ }), 'resource');
    const [f] = withCode(r, 'ALLOW_WITH_NOT_PRINCIPAL');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'NotPrincipal' }]);
  });
  it('does not flag Deny with NotPrincipal', () => {
    expect(
      withCode(
        run(doc({ Effect: 'Deny', NotPrincipal: ROOT, ...S3_READ }), 'resource'),
        'ALLOW_WITH_NOT_PRINCIPAL',
      ),
    ).toEqual([]);
  });
});

describe('RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL', () => {
  const delivery = {
    Effect: 'Allow',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: 'arn:aws:s3:::trail-bucket/AWSLogs/111122223333/*',
  };
  it('flags a service principal without a source condition, at the service', () => {
    const r = run(doc(delivery), 'resource');
    const [f] = withCode(r, 'RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(located(r, f!)).toBe('"cloudtrail.amazonaws.com"');
  });
  it.each(['aws:SourceArn', 'aws:SourceAccount', 'aws:SourceOrgID', 'aws:SourceOrgPaths'])(
    'does not flag with %s',
    (key) => {
      const r = run(doc({ ...delivery, Condition: { StringEquals: { [key]: 'x' } } }), 'resource');
      expect(withCode(r, 'RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL')).toEqual([]);
    },
  );
  it('does not flag AWS principals or Deny statements', () => {
    const r = run(doc({ ...delivery, Principal: ROOT }, { ...delivery, Effect: 'Deny' }), 'resource');
    expect(withCode(r, 'RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL')).toEqual([]);
  });
});

describe('ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL', () => {
  it('flags NotPrincipal in a trust policy', () => {
    const r = run(doc({ Effect: 'Deny', NotPrincipal: ROOT, Action: 'sts:AssumeRole' }), 'trust');
    const [f] = withCode(r, 'ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL');
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'NotPrincipal' }]);
  });
  it('does not flag NotPrincipal in a resource policy', () => {
    const r = run(doc({ Effect: 'Deny', NotPrincipal: ROOT, ...S3_READ }), 'resource');
    expect(withCode(r, 'ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL')).toEqual([]);
  });
});

describe('ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL', () => {
  it('flags "Principal": "*" in a trust policy', () => {
    const r = run(doc({ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }), 'trust');
    const [f] = withCode(r, 'ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL');
    expect(f?.findingType).toBe('ERROR');
    expect(located(r, f!)).toBe('"*"');
  });
  it('does not flag {"AWS": "*"} in a trust policy, nor "*" in a resource policy', () => {
    const trust = run(doc({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }), 'trust');
    const resource = run(doc({ Effect: 'Allow', Principal: '*', ...S3_READ }), 'resource');
    expect(withCode(trust, 'ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL')).toEqual([]);
    expect(withCode(resource, 'ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL')).toEqual([]);
  });
});

describe('ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE', () => {
  it('flags Resource and NotResource in a trust policy', () => {
    const r = run(
      doc(
        { Effect: 'Allow', Principal: ROOT, Action: 'sts:AssumeRole', Resource: '*' },
        { Effect: 'Deny', Principal: ROOT, Action: 'sts:TagSession', NotResource: 'x' },
      ),
      'trust',
    );
    const found = withCode(r, 'ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE');
    expect(found.map((f) => f.locations[0]?.path.at(-1))).toEqual([
      { value: 'Resource' },
      { value: 'NotResource' },
    ]);
    expect(found[0]?.findingType).toBe('ERROR');
  });
  it('does not flag a trust policy without them', () => {
    const r = run(doc({ Effect: 'Allow', Principal: ROOT, Action: 'sts:AssumeRole' }), 'trust');
    expect(withCode(r, 'ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE')).toEqual([]);
  });
});

describe('UNSUPPORTED_ACTION_IN_POLICY (role trust)', () => {
  it('flags an action that is not an STS trust action', () => {
    const r = run(
      doc({ Effect: 'Allow', Principal: ROOT, Action: ['sts:AssumeRole', 's3:GetObject'] }),
      'trust',
    );
    const [f] = withCode(r, 'UNSUPPORTED_ACTION_IN_POLICY');
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Action' },
      { index: 1 },
    ]);
  });
  it('does not flag trust actions, wildcards that include them, or unknown actions', () => {
    const r = run(
      doc({
        Effect: 'Allow',
        Principal: ROOT,
        Action: [
          'sts:AssumeRole',
          'sts:TagSession',
          'sts:SetSourceIdentity',
          'sts:SetContext',
          'sts:*',
          'sts:NoSuchAction',
        ],
      }),
      'trust',
    );
    expect(withCode(r, 'UNSUPPORTED_ACTION_IN_POLICY')).toEqual([]);
  });
});

describe('INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY', () => {
  it.each([
    'arn:aws:iam::11112222333:oidc-provider/auth.example.com', // 11-digit account
    'arn:aws:iam::111122223333:role/NotAProvider',
    'Okta',
  ])('flags %s', (federated) => {
    const r = run(
      doc({ Effect: 'Allow', Principal: { Federated: federated }, Action: 'sts:AssumeRoleWithWebIdentity' }),
      'trust',
    );
    const [f] = withCode(r, 'INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY');
    expect(f?.findingType).toBe('ERROR');
    expect(located(r, f!)).toBe(`"${federated}"`);
  });
  it.each([
    SAML,
    GITHUB,
    'cognito-identity.amazonaws.com',
    'accounts.google.com',
    'graph.facebook.com',
    'www.amazon.com',
  ])('does not flag %s', (federated) => {
    const r = run(
      doc({ Effect: 'Allow', Principal: { Federated: federated }, Action: 'sts:AssumeRoleWithWebIdentity' }),
      'trust',
    );
    expect(withCode(r, 'INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY')).toEqual([]);
  });
});

describe('MISMATCHED_ACTION_FOR_PRINCIPAL', () => {
  it('flags sts:AssumeRole for a web identity provider, at the action and the principal', () => {
    const r = run(
      doc({
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { 'cognito-identity.amazonaws.com:aud': 'us-west-2:pool' } },
      }),
      'trust',
    );
    const [f] = withCode(r, 'MISMATCHED_ACTION_FOR_PRINCIPAL');
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations.map((l) => l.path)).toEqual([
      [{ value: 'Statement' }, { index: 0 }, { value: 'Action' }, { index: 0 }],
      [{ value: 'Statement' }, { index: 0 }, { value: 'Principal' }, { value: 'Federated' }],
    ]);
  });
  it('flags sts:AssumeRoleWithSAML for an AWS account', () => {
    const r = run(doc({ Effect: 'Allow', Principal: ROOT, Action: 'sts:AssumeRoleWithSAML' }), 'trust');
    expect(withCode(r, 'MISMATCHED_ACTION_FOR_PRINCIPAL')).toHaveLength(1);
  });
  it('does not flag matching pairs, or a statement where some principal can call each action', () => {
    const r = run(
      doc(
        {
          Effect: 'Allow',
          Principal: { Federated: SAML },
          Action: ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'],
        },
        { Effect: 'Allow', Principal: { Federated: GITHUB }, Action: 'sts:AssumeRoleWithWebIdentity' },
        {
          Effect: 'Allow',
          Principal: { AWS: '111122223333', Service: 'ec2.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
        {
          Effect: 'Allow',
          Principal: { AWS: '111122223333', Federated: SAML },
          Action: ['sts:AssumeRole', 'sts:AssumeRoleWithSAML'],
        },
      ),
      'trust',
    );
    expect(withCode(r, 'MISMATCHED_ACTION_FOR_PRINCIPAL')).toEqual([]);
  });
});

describe('MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY', () => {
  const anywhere = { Effect: 'Allow', Principal: { Service: 'rolesanywhere.amazonaws.com' } };
  it('flags a Roles Anywhere trust without sts:SetSourceIdentity and sts:TagSession', () => {
    const r = run(doc({ ...anywhere, Action: 'sts:AssumeRole' }), 'trust');
    const [f] = withCode(r, 'MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY');
    expect(f?.findingType).toBe('ERROR');
    expect(f?.findingDetails).toContain('add sts:SetSourceIdentity, sts:TagSession');
    expect(located(r, f!)).toBe('"rolesanywhere.amazonaws.com"');
  });
  it('does not flag a trust that allows all three, even through a wildcard', () => {
    const r = run(
      doc(
        { ...anywhere, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'] },
        { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ),
      'trust',
    );
    expect(withCode(r, 'MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY')).toEqual([]);
    expect(
      withCode(
        run(doc({ ...anywhere, Action: 'sts:*' }), 'trust'),
        'MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY',
      ),
    ).toEqual([]);
  });
});

describe('MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL', () => {
  it('flags an OIDC provider trusted without conditions on its claims', () => {
    const r = run(
      doc({
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/auth.example.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'aws:RequestTag/team': 'a' } },
      }),
      'trust',
    );
    const [f] = withCode(r, 'MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(f?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Principal' },
      { value: 'Federated' },
    ]);
  });
  it('does not flag an OIDC trust with provider-prefixed keys, nor a SAML trust', () => {
    const r = run(
      doc(
        {
          Effect: 'Allow',
          Principal: { Federated: 'accounts.google.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'accounts.google.com:aud': 'client-id' } },
        },
        { Effect: 'Allow', Principal: { Federated: SAML }, Action: 'sts:AssumeRoleWithSAML' },
      ),
      'trust',
    );
    expect(withCode(r, 'MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL')).toEqual([]);
  });
});

describe('MISSING_GITHUB_REPO_CONDITION_KEY', () => {
  it('flags GitHub trust that checks only the audience', () => {
    const r = run(
      doc({
        Effect: 'Allow',
        Principal: { Federated: GITHUB },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } },
      }),
      'trust',
    );
    const [f] = withCode(r, 'MISSING_GITHUB_REPO_CONDITION_KEY');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(located(r, f!)).toBe(`"${GITHUB}"`);
  });
  it('does not flag GitHub trust with a sub condition, nor other providers', () => {
    const r = run(
      doc(
        {
          Effect: 'Allow',
          Principal: { Federated: GITHUB },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': 'repo:my-org/app:ref:refs/heads/main',
            },
          },
        },
        {
          Effect: 'Allow',
          Principal: { Federated: 'accounts.google.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'accounts.google.com:aud': 'x' } },
        },
      ),
      'trust',
    );
    expect(withCode(r, 'MISSING_GITHUB_REPO_CONDITION_KEY')).toEqual([]);
  });
});

function githubTrust(operator: string, sub: string): object {
  return doc({
    Effect: 'Allow',
    Principal: { Federated: GITHUB },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      [operator]: { 'token.actions.githubusercontent.com:sub': sub },
    },
  });
}

describe('SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED', () => {
  it('flags a wildcard in the sub value, at the wildcard', () => {
    const r = run(githubTrust('StringLike', 'repo:my-org/app:*'), 'trust');
    const [f] = withCode(r, 'SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED');
    expect(f?.findingType).toBe('WARNING');
    expect(located(r, f!)).toBe('*');
  });
  it('does not flag an exact sub, nor a * compared literally by StringEquals', () => {
    expect(
      withCode(
        run(githubTrust('StringLike', 'repo:my-org/app:ref:refs/heads/main'), 'trust'),
        'SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED',
      ),
    ).toEqual([]);
    expect(
      withCode(
        run(githubTrust('StringEquals', 'repo:my-org/*'), 'trust'),
        'SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED',
      ),
    ).toEqual([]);
  });
});

describe('GITHUB_SUB_ANY_REPOSITORY', () => {
  it.each(['*', 'repo:*', 'repo:my-org/*', 'repo:my-org/app*:ref:refs/heads/main', 'repo:*/app:*'])(
    'flags the sub pattern %s as a SECURITY_WARNING',
    (sub) => {
      const r = run(githubTrust('StringLike', sub), 'trust');
      const [f] = withCode(r, 'GITHUB_SUB_ANY_REPOSITORY');
      expect(f?.findingType).toBe('SECURITY_WARNING');
      expect(f?.learnMoreLink).toBe('docs/checks.md#github-sub-any-repository');
      expect(located(r, f!)).toBe(`"${sub}"`);
    },
  );
  it.each(['repo:my-org/app:*', 'repo:my-org/app:environment:prod', 'repo:my-org/app:ref:refs/heads/*'])(
    'does not flag %s, which stays within one repository',
    (sub) => {
      expect(withCode(run(githubTrust('StringLike', sub), 'trust'), 'GITHUB_SUB_ANY_REPOSITORY')).toEqual([]);
    },
  );
});

describe('OIDC_MISSING_AUDIENCE_CONDITION', () => {
  it('flags a Cognito trust that checks only amr', () => {
    const r = run(
      doc({
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { 'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' } },
      }),
      'trust',
    );
    const [f] = withCode(r, 'OIDC_MISSING_AUDIENCE_CONDITION');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(located(r, f!)).toBe('"cognito-identity.amazonaws.com"');
  });
  it('flags a GitHub trust with a wildcard sub and no audience', () => {
    const r = run(
      doc({
        Effect: 'Allow',
        Principal: { Federated: GITHUB },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:my-org/app:*' } },
      }),
      'trust',
    );
    expect(withCode(r, 'OIDC_MISSING_AUDIENCE_CONDITION')).toHaveLength(1);
  });
  it('does not flag a trust with an audience, with one exact subject, or without any claim condition', () => {
    const r = run(
      doc(
        {
          Effect: 'Allow',
          Principal: { Federated: 'cognito-identity.amazonaws.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool-id' } },
        },
        {
          Effect: 'Allow',
          Principal: {
            Federated: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC',
          },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { 'oidc.eks.us-east-1.amazonaws.com/id/ABC:sub': 'system:serviceaccount:ns:app' },
          },
        },
        {
          Effect: 'Allow',
          Principal: { Federated: 'accounts.google.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
        },
      ),
      'trust',
    );
    expect(withCode(r, 'OIDC_MISSING_AUDIENCE_CONDITION')).toEqual([]);
  });
});

describe('SAML_MISSING_AUDIENCE_CONDITION', () => {
  it('flags a SAML trust without SAML:aud', () => {
    const r = run(
      doc({ Effect: 'Allow', Principal: { Federated: SAML }, Action: 'sts:AssumeRoleWithSAML' }),
      'trust',
    );
    const [f] = withCode(r, 'SAML_MISSING_AUDIENCE_CONDITION');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(located(r, f!)).toBe(`"${SAML}"`);
  });
  it('does not flag a SAML trust with SAML:aud, nor OIDC trusts', () => {
    const r = run(
      doc(
        {
          Effect: 'Allow',
          Principal: { Federated: SAML },
          Action: 'sts:AssumeRoleWithSAML',
          Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
        },
        {
          Effect: 'Allow',
          Principal: { Federated: 'accounts.google.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'accounts.google.com:aud': 'x' } },
        },
      ),
      'trust',
    );
    expect(withCode(r, 'SAML_MISSING_AUDIENCE_CONDITION')).toEqual([]);
  });
});

describe('ALLOW_ANY_PRINCIPAL', () => {
  it('flags a public bucket policy', () => {
    const r = run(doc({ Effect: 'Allow', Principal: '*', ...S3_READ }), 'resource');
    const [f] = withCode(r, 'ALLOW_ANY_PRINCIPAL');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(f?.findingDetails).toContain('anonymous');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Principal' }]);
  });
  it('flags a trust policy any AWS account can assume, and a condition that does not narrow the caller', () => {
    const open = run(doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }), 'trust');
    expect(withCode(open, 'ALLOW_ANY_PRINCIPAL')[0]?.findingDetails).toContain('any AWS account can assume');
    const tagged = run(
      doc({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'sts:AssumeRole',
        Condition: { StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abc' } },
      }),
      'trust',
    );
    expect(withCode(tagged, 'ALLOW_ANY_PRINCIPAL')).toHaveLength(1);
  });
  it('does not flag "*" narrowed by the organization, Deny statements, or TagSession-only trust statements', () => {
    const r = run(
      doc(
        {
          Effect: 'Allow',
          Principal: '*',
          ...S3_READ,
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } },
        },
        {
          Effect: 'Deny',
          Principal: '*',
          ...S3_READ,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ),
      'resource',
    );
    expect(withCode(r, 'ALLOW_ANY_PRINCIPAL')).toEqual([]);
    const trust = run(
      doc({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'sts:TagSession',
        Condition: { StringLike: { 'aws:RequestTag/Team': '*' } },
      }),
      'trust',
    );
    expect(withCode(trust, 'ALLOW_ANY_PRINCIPAL')).toEqual([]);
  });
});

describe('TRUST_SERVICE_WITHOUT_SOURCE_CONDITION', () => {
  it('suggests source conditions for a service trust', () => {
    const r = run(
      doc({ Effect: 'Allow', Principal: { Service: 'config.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      'trust',
    );
    const [f] = withCode(r, 'TRUST_SERVICE_WITHOUT_SOURCE_CONDITION');
    expect(f?.findingType).toBe('SUGGESTION');
    expect(located(r, f!)).toBe('"config.amazonaws.com"');
  });
  it('does not suggest it when aws:SourceAccount is present, nor for AWS principals', () => {
    const r = run(
      doc(
        {
          Effect: 'Allow',
          Principal: { Service: 'config.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
        },
        { Effect: 'Allow', Principal: ROOT, Action: 'sts:AssumeRole' },
      ),
      'trust',
    );
    expect(withCode(r, 'TRUST_SERVICE_WITHOUT_SOURCE_CONDITION')).toEqual([]);
  });
});

// The role trust policies of seeds/001 (the Korean edition of AWS's "How to use trust policies
// with IAM roles"). The published text lost some characters in extraction; these are restored:
// "*" where an empty string stands for it, the SAML audience without the angle brackets, and the
// twelfth digit of the OIDC example's account (the source shows 11112222333, which IAM rejects;
// the last test shows that version is reported).
const SEED_TRUST_POLICIES: Record<string, object> = {
  'account root': doc({ Effect: 'Allow', Principal: ROOT, Action: 'sts:AssumeRole', Condition: {} }),
  'one IAM user': doc({
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::111122223333:user/LiJuan' },
    Action: 'sts:AssumeRole',
    Condition: {},
  }),
  'SAML federation': {
    Version: '2012-10-17',
    Statement: {
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithSAML',
      Principal: { Federated: 'arn:aws:iam::111122223333:saml-provider/PROVIDER-NAME' },
      Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
    },
  },
  'OIDC provider': doc({
    Effect: 'Allow',
    Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/auth.example.com' },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { 'auth.example.com:sub': 'Administrator', 'auth.example.com:aud': 'MyappWebIdentity' },
    },
  }),
  'external id': doc({
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::444455556666:role/ExampleCorpRole' },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': 'ExampleUniquePhrase' } },
  }),
  'source IP': doc({
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::111122223333:role/IpBoundedRole' },
    Action: 'sts:AssumeRole',
    Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
  }),
  'principal tag matches role tag': doc({
    Effect: 'Allow',
    Principal: ROOT,
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'aws:PrincipalTag/department': '${aws:ResourceTag/owningDepartment}' } },
  }),
  'deny outside the organization': doc({
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'sts:AssumeRole',
    Condition: {
      StringNotEquals: { 'aws:PrincipalOrgID': 'o-abcd12efg1' },
      Bool: { 'aws:PrincipalIsAWSService': 'false' },
    },
  }),
  'SAML with source identity': {
    Version: '2012-10-17',
    Statement: {
      Effect: 'Allow',
      Action: ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'],
      Principal: { Federated: 'arn:aws:iam::111122223333:saml-provider/PROVIDER-NAME' },
      Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
    },
  },
  'source identity pattern': doc({
    Effect: 'Allow',
    Principal: ROOT,
    Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
    Condition: { StringLike: { 'sts:SourceIdentity': '*@example.org' } },
  }),
  'required session tags': doc({
    Effect: 'Allow',
    Action: ['sts:TagSession', 'sts:AssumeRole'],
    Principal: ROOT,
    Condition: {
      StringLike: { 'aws:RequestTag/Project': '*', 'aws:RequestTag/CostCenter': '*' },
      StringEquals: { 'aws:RequestTag/Department': ['Engineering', 'Marketing'] },
      'ForAllValues:StringEquals': { 'sts:TransitiveTagKeys': ['Project', 'Department'] },
    },
  }),
  'deny an Admin session tag': doc({
    Effect: 'Deny',
    Action: 'sts:TagSession',
    Principal: { AWS: '*' },
    Condition: { Null: { 'aws:RequestTag/Admin': false } },
  }),
  'deny Team=Admin, allow other Team tags': doc(
    {
      Effect: 'Deny',
      Action: 'sts:TagSession',
      Principal: { AWS: '*' },
      Condition: { StringEquals: { 'aws:RequestTag/Team': 'Admin' } },
    },
    {
      Effect: 'Allow',
      Action: 'sts:TagSession',
      Principal: { AWS: '*' },
      Condition: { StringLike: { 'aws:RequestTag/Team': '*' } },
    },
  ),
  'principal ARN condition': doc({
    Effect: 'Allow',
    Principal: ROOT,
    Action: 'sts:AssumeRole',
    Condition: { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/ExampleCorpRole' } },
  }),
  'roles under a path': doc({
    Effect: 'Allow',
    Principal: ROOT,
    Action: 'sts:AssumeRole',
    Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/OpsRoles/*' } },
  }),
  'several statements': doc(
    {
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::111122223333:role/ExampleRole'] },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
    },
    {
      Effect: 'Deny',
      Action: 'sts:TagSession',
      Principal: { AWS: '*' },
      Condition: { Null: { 'aws:RequestTag/Admin': false } },
    },
  ),
};

describe('role trust policies of seeds/001', () => {
  it.each(Object.entries(SEED_TRUST_POLICIES))(
    '"%s" raises no ERROR or SECURITY_WARNING from the principals family',
    (_, policy) => {
      const r = run(policy, 'trust');
      const serious = r.findings.filter(
        (f) => FAMILY.has(f.issueCode) && (f.findingType === 'ERROR' || f.findingType === 'SECURITY_WARNING'),
      );
      expect(serious).toEqual([]);
    },
  );

  const wrong: [string, object, string][] = [
    [
      'the OIDC example with the 11-digit account as printed',
      doc({
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws:iam::11112222333:oidc-provider/auth.example.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'auth.example.com:sub': 'Administrator',
            'auth.example.com:aud': 'MyappWebIdentity',
          },
        },
      }),
      'INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY',
    ],
    [
      'SAML without its audience condition',
      doc({
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithSAML',
        Principal: { Federated: 'arn:aws:iam::111122223333:saml-provider/P' },
      }),
      'SAML_MISSING_AUDIENCE_CONDITION',
    ],
    [
      'SAML with sts:AssumeRole',
      doc({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Federated: 'arn:aws:iam::111122223333:saml-provider/P' },
        Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
      }),
      'MISMATCHED_ACTION_FOR_PRINCIPAL',
    ],
    [
      'OIDC without conditions',
      doc({
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/auth.example.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
      }),
      'MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL',
    ],
    [
      'OIDC checking only the subject pattern',
      doc({
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/auth.example.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringLike: { 'auth.example.com:sub': 'Admin*' } },
      }),
      'OIDC_MISSING_AUDIENCE_CONDITION',
    ],
    [
      'a role path written as a wildcard principal instead of a condition',
      doc({
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:role/OpsRoles/*' },
        Action: 'sts:AssumeRole',
      }),
      'UNSUPPORTED_WILDCARD_IN_PRINCIPAL',
    ],
    [
      'the organization guard written as Allow without its condition',
      doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }),
      'ALLOW_ANY_PRINCIPAL',
    ],
    [
      'the organization guard with a negated condition on an Allow',
      doc({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'sts:AssumeRole',
        Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abcd12efg1' } },
      }),
      'ALLOW_ANY_PRINCIPAL',
    ],
    [
      'NotPrincipal instead of a Deny condition',
      doc({ Effect: 'Deny', NotPrincipal: ROOT, Action: 'sts:AssumeRole' }),
      'ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL',
    ],
    [
      '"Principal": "*"',
      doc({ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }),
      'ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL',
    ],
    [
      'a Resource element',
      doc({
        Effect: 'Allow',
        Principal: ROOT,
        Action: 'sts:AssumeRole',
        Resource: 'arn:aws:iam::111122223333:role/r',
      }),
      'ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE',
    ],
    ['no Principal', doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'MISSING_PRINCIPAL'],
  ];
  it.each(wrong)('flags %s', (_, policy, code) => {
    expect(run(policy, 'trust').findings.map((f) => f.issueCode)).toContain(code);
  });
});
