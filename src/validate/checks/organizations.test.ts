import { describe, expect, it } from 'vitest';
import type { ValidateOptions } from '../check.ts';
import type { Finding } from '../finding.ts';
import { validatePolicy } from '../validate.ts';
import { organizationsChecks } from './organizations.ts';
import { structureChecks } from './structure.ts';

const SCP = { policyType: 'scp' } as const;
const RCP = { policyType: 'rcp' } as const;
const ORGANIZATIONS_CODES = new Set(organizationsChecks.map((c) => c.issueCode));

const only = (code: string, text: string, options: ValidateOptions): Finding[] =>
  validatePolicy(text, options).findings.filter((f) => f.issueCode === code);
const orgCodes = (text: string, options: ValidateOptions) =>
  validatePolicy(text, options)
    .findings.map((f) => f.issueCode)
    .filter((c) => ORGANIZATIONS_CODES.has(c));
const spanText = (text: string, f: Finding | undefined): string => {
  const span = f?.locations[0]?.span;
  return span ? text.slice(span.start.offset, span.end.offset) : '<no location>';
};
const doc = (statement: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Version: '2012-10-17', ...extra, Statement: statement });

/** A typical RCP: deny S3 access over plain HTTP to everyone. */
const DENY_INSECURE = {
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: '*',
  Condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } },
};
/** The statement of the AWS-managed RCPFullAWSAccess. */
const RCP_FULL_ACCESS = { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' };

describe('SCP_SYNTAX_ERROR_PRINCIPAL', () => {
  it('flags a Principal in an SCP statement', () => {
    const text = doc([{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }]);
    const [f] = only('SCP_SYNTAX_ERROR_PRINCIPAL', text, SCP);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Principal' }]);
    expect(spanText(text, f)).toBe('"*"');
  });
  it('flags a NotPrincipal in an SCP statement', () => {
    const text = doc([
      {
        Effect: 'Deny',
        NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: 's3:*',
        Resource: '*',
      },
    ]);
    const [f] = only('SCP_SYNTAX_ERROR_PRINCIPAL', text, SCP);
    expect(f?.findingDetails).toContain('NotPrincipal');
    expect(spanText(text, f)).toBe('{"AWS":"arn:aws:iam::111122223333:root"}');
  });
  it('does not flag SCPs without principals, or other policy types', () => {
    expect(orgCodes(doc([{ Effect: 'Deny', Action: 's3:*', Resource: '*' }]), SCP)).toEqual([]);
    const bucket = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
    expect(orgCodes(doc([bucket]), { policyType: 'resource' })).toEqual([]);
  });
  it('accepts the full IAM language that SCPs support since September 2025', () => {
    const statements = [
      {
        Effect: 'Allow',
        Action: ['ec2:*', 'ec2:*Vpn*', 's3:Get*Object'],
        Resource: 'arn:aws:s3:::bucket/*',
        Condition: { StringEquals: { 'aws:RequestedRegion': ['us-east-1'] } },
      },
      { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::service-owned/*' },
    ];
    const findings = validatePolicy(doc(statements), SCP).findings;
    expect(findings.filter((f) => ORGANIZATIONS_CODES.has(f.issueCode))).toEqual([]);
    expect(findings.filter((f) => f.issueCode.startsWith('SCP_'))).toEqual([]);
  });
});

describe('RCP_SYNTAX_ERROR_PRINCIPAL', () => {
  it('flags a Principal other than "*"', () => {
    const text = doc([{ ...DENY_INSECURE, Principal: { AWS: '*' } }]);
    const [f] = only('RCP_SYNTAX_ERROR_PRINCIPAL', text, RCP);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Principal' }]);
    expect(spanText(text, f)).toBe('{"AWS":"*"}');
  });
  it('flags NotPrincipal and a statement without a Principal', () => {
    const { Principal: _p, ...noPrincipal } = DENY_INSECURE;
    const text = doc([
      { ...noPrincipal, NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' } },
      noPrincipal,
    ]);
    const found = only('RCP_SYNTAX_ERROR_PRINCIPAL', text, RCP);
    expect(found.map((f) => f.locations[0]?.path)).toEqual([
      [{ value: 'Statement' }, { index: 0 }, { value: 'NotPrincipal' }],
      [{ value: 'Statement' }, { index: 1 }],
    ]);
  });
  it('does not flag "Principal": "*"', () => {
    expect(orgCodes(doc([DENY_INSECURE]), RCP)).toEqual([]);
  });
});

describe('RCP_SYNTAX_ERROR_ALLOW', () => {
  it('flags an Allow statement with a Condition, pointing at its Effect', () => {
    const text = doc([{ ...RCP_FULL_ACCESS, Condition: { Bool: { 'aws:SecureTransport': 'true' } } }]);
    const [f] = only('RCP_SYNTAX_ERROR_ALLOW', text, RCP);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Effect' }]);
    expect(spanText(text, f)).toBe('"Allow"');
    expect(f?.findingDetails).toContain('Condition');
  });
  it('flags an Allow statement with specific resources or NotResource', () => {
    expect(
      only('RCP_SYNTAX_ERROR_ALLOW', doc([{ ...RCP_FULL_ACCESS, Resource: 'arn:aws:s3:::b' }]), RCP),
    ).toHaveLength(1);
    const { Resource: _r, ...noResource } = RCP_FULL_ACCESS;
    expect(
      only('RCP_SYNTAX_ERROR_ALLOW', doc([{ ...noResource, NotResource: 'arn:aws:s3:::b' }]), RCP),
    ).toHaveLength(1);
  });
  it('accepts the RCPFullAWSAccess statement and Deny statements', () => {
    expect(orgCodes(doc([RCP_FULL_ACCESS]), RCP)).toEqual([]);
    expect(orgCodes(doc([{ ...RCP_FULL_ACCESS, Resource: ['*'] }, DENY_INSECURE]), RCP)).toEqual([]);
  });
});

describe('RCP_SYNTAX_ERROR_ALLOW_ACTION', () => {
  it('flags an Allow statement that lists actions', () => {
    const text = doc([{ ...RCP_FULL_ACCESS, Action: ['s3:GetObject'] }]);
    const [f] = only('RCP_SYNTAX_ERROR_ALLOW_ACTION', text, RCP);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.learnMoreLink).toBe('docs/checks.md#rcp-syntax-error-allow-action');
    expect(spanText(text, f)).toBe('["s3:GetObject"]');
  });
  it('does not flag "Action": "*" in Allow, or listed actions in Deny', () => {
    expect(only('RCP_SYNTAX_ERROR_ALLOW_ACTION', doc([RCP_FULL_ACCESS]), RCP)).toEqual([]);
    expect(only('RCP_SYNTAX_ERROR_ALLOW_ACTION', doc([DENY_INSECURE]), RCP)).toEqual([]);
  });
});

describe('RCP_SYNTAX_ERROR_NOTACTION', () => {
  it('flags NotAction', () => {
    const { Action: _a, ...rest } = DENY_INSECURE;
    const text = doc([{ ...rest, NotAction: 's3:GetObject' }]);
    const [f] = only('RCP_SYNTAX_ERROR_NOTACTION', text, RCP);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'NotAction' }]);
  });
  it('does not flag Action, or NotAction in an SCP', () => {
    expect(only('RCP_SYNTAX_ERROR_NOTACTION', doc([DENY_INSECURE]), RCP)).toEqual([]);
    expect(orgCodes(doc([{ Effect: 'Deny', NotAction: 's3:GetObject', Resource: '*' }]), SCP)).toEqual([]);
  });
});

describe('RCP_SYNTAX_ERROR_ACTION', () => {
  const actionFindings = (action: unknown, effect = 'Deny') => {
    const text = doc([{ ...DENY_INSECURE, Effect: effect, Action: action }]);
    return only('RCP_SYNTAX_ERROR_ACTION', text, RCP).map((f) => ({
      path: f.locations[0]?.path,
      text: spanText(text, f),
    }));
  };
  it('flags "*" alone in a Deny statement', () => {
    const text = doc([{ ...DENY_INSECURE, Action: '*' }]);
    const [f] = only('RCP_SYNTAX_ERROR_ACTION', text, RCP);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Action' }]);
    expect(spanText(text, f)).toBe('"*"');
  });
  it('flags a wildcard in the service prefix and a service without RCP support', () => {
    expect(actionFindings(['s*:GetObject', 'ec2:RunInstances', 's3:GetObject'])).toEqual([
      {
        path: [{ value: 'Statement' }, { index: 0 }, { value: 'Action' }, { index: 0 }],
        text: '"s*:GetObject"',
      },
      {
        path: [{ value: 'Statement' }, { index: 0 }, { value: 'Action' }, { index: 1 }],
        text: '"ec2:RunInstances"',
      },
    ]);
  });
  it('accepts actions of supported services, wildcards in action names, and the managed Allow of "*"', () => {
    expect(actionFindings(['s3:Get*', 'sts:AssumeRole', 'kms:*', 'sqs:*Message*'])).toEqual([]);
    expect(actionFindings('*', 'Allow')).toEqual([]);
  });
  it('leaves unknown services and malformed actions to the actions family', () => {
    expect(actionFindings(['nosuchservice:Get', 'GetObject'])).toEqual([]);
  });
});

describe('RCP_SYNTAX_ERROR_VERSION', () => {
  it('flags an RCP without Version', () => {
    const text = JSON.stringify({ Statement: [DENY_INSECURE] });
    const [f] = only('RCP_SYNTAX_ERROR_VERSION', text, RCP);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([]);
  });
  it('flags the 2008-10-17 language version', () => {
    const text = doc([DENY_INSECURE], { Version: '2008-10-17' });
    const [f] = only('RCP_SYNTAX_ERROR_VERSION', text, RCP);
    expect(spanText(text, f)).toBe('"2008-10-17"');
  });
  it('does not flag 2012-10-17, or SCPs without Version', () => {
    expect(only('RCP_SYNTAX_ERROR_VERSION', doc([DENY_INSECURE]), RCP)).toEqual([]);
    expect(
      orgCodes(JSON.stringify({ Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] }), SCP),
    ).toEqual([]);
  });
});

describe('a well-formed RCP', () => {
  it('gets no ERROR from the structure and organizations families', () => {
    const mine = new Set([...structureChecks, ...organizationsChecks].map((c) => c.issueCode));
    const text = doc([RCP_FULL_ACCESS, DENY_INSECURE]);
    const errors = validatePolicy(text, RCP).findings.filter(
      (f) => f.findingType === 'ERROR' && mine.has(f.issueCode),
    );
    expect(errors).toEqual([]);
  });
});
