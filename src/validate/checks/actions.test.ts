import { describe, expect, it } from 'vitest';
import type { Finding } from '../finding.ts';
import { validatePolicy } from '../validate.ts';

/** A policy with one statement, serialized with two-space indentation. */
function policyText(statement: object): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [statement] }, null, 2);
}

function findingsOf(text: string, issueCode: string): Finding[] {
  return validatePolicy(text).findings.filter((f) => f.issueCode === issueCode);
}

function allow(action: string | string[], extra: object = {}): string {
  return policyText({ Effect: 'Allow', Action: action, Resource: '*', ...extra });
}

/** Offsets of a JSON string literal (with its quotes) in the text. */
function spanOf(text: string, value: string): { start: number; end: number } {
  const start = text.indexOf(JSON.stringify(value));
  return { start, end: start + JSON.stringify(value).length };
}

describe('INVALID_ACTION', () => {
  it('flags an action its service does not have, at the entry, with a likely spelling', () => {
    const text = allow(['s3:ListBucket', 's3:GetObjct']);
    const [finding, ...rest] = findingsOf(text, 'INVALID_ACTION');
    expect(rest).toEqual([]);
    expect(finding?.findingType).toBe('ERROR');
    expect(finding?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Action' },
      { index: 1 },
    ]);
    const span = spanOf(text, 's3:GetObjct');
    expect(finding?.locations[0]?.span.start.offset).toBe(span.start);
    expect(finding?.locations[0]?.span.end.offset).toBe(span.end);
    expect(finding?.locations[0]?.span.start).toMatchObject({ line: 8, column: 8 });
    expect(finding?.findingDetails).toContain('s3:GetObject');
    expect(finding?.learnMoreLink).toMatch(/#access-analyzer-reference-policy-checks-error-invalid-action$/);
  });

  it('flags a wildcard that matches none of the service actions', () => {
    const [finding] = findingsOf(allow('s3:Gett*'), 'INVALID_ACTION');
    expect(finding?.findingDetails).toContain('s3:Gett*');
    expect(finding?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Action' }]);
  });

  it('flags an entry without a service prefix and one with a space in the action name', () => {
    const found = findingsOf(allow(['s3GetObject', 's3:Get Object']), 'INVALID_ACTION');
    expect(found.map((f) => f.locations[0]?.path.at(-1))).toEqual([{ index: 0 }, { index: 1 }]);
    expect(found[1]?.findingDetails).toContain('whitespace');
  });

  it('checks NotAction entries too', () => {
    const text = policyText({ Effect: 'Deny', NotAction: ['iam:GetUserr'], Resource: '*' });
    const [finding] = findingsOf(text, 'INVALID_ACTION');
    expect(finding?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'NotAction' },
      { index: 0 },
    ]);
  });

  it('does not flag existing actions, matching wildcards, "*" or another capitalization', () => {
    const text = allow([
      's3:GetObject',
      's3:Get*',
      's3:*Object',
      's3:?etObject',
      '*',
      'S3:getobject',
      'ec2:*',
    ]);
    expect(findingsOf(text, 'INVALID_ACTION')).toEqual([]);
  });

  it('leaves unknown services to INVALID_SERVICE_IN_ACTION', () => {
    expect(findingsOf(allow(['nosuchservice:GetThing', '*:Get*']), 'INVALID_ACTION')).toEqual([]);
  });
});

describe('INVALID_SERVICE_IN_ACTION', () => {
  it('flags a service prefix that does not exist, suggesting a close one', () => {
    const text = allow(['s3:GetObject', 'dynamodbb:GetItem']);
    const [finding, ...rest] = findingsOf(text, 'INVALID_SERVICE_IN_ACTION');
    expect(rest).toEqual([]);
    expect(finding?.findingType).toBe('ERROR');
    expect(finding?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Action' },
      { index: 1 },
    ]);
    expect(finding?.locations[0]?.span.start.offset).toBe(spanOf(text, 'dynamodbb:GetItem').start);
    expect(finding?.findingDetails).toContain('"dynamodb"');
  });

  it('flags a wildcard in the service prefix', () => {
    const found = findingsOf(allow(['*:Describe*', 's3*:GetObject']), 'INVALID_SERVICE_IN_ACTION');
    expect(found).toHaveLength(2);
    expect(found[0]?.findingDetails).toContain('wildcard');
  });

  it('flags a service prefix with surrounding whitespace', () => {
    const [finding] = findingsOf(allow(' s3:GetObject'), 'INVALID_SERVICE_IN_ACTION');
    expect(finding?.findingDetails).toContain('whitespace');
  });

  it('does not flag known services, in any capitalization, or "*"', () => {
    expect(
      findingsOf(allow(['s3:GetObject', 'EC2:DescribeInstances', '*']), 'INVALID_SERVICE_IN_ACTION'),
    ).toEqual([]);
  });
});

describe('REDUNDANT_ACTION', () => {
  it('flags an action another entry of the same element already matches', () => {
    const text = allow(['iam:Get*', 'iam:List*', 'iam:GetCredentialReport']);
    const [finding, ...rest] = findingsOf(text, 'REDUNDANT_ACTION');
    expect(rest).toEqual([]);
    expect(finding?.findingType).toBe('SUGGESTION');
    expect(finding?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Action' },
      { index: 2 },
    ]);
    expect(finding?.locations[0]?.span.start.offset).toBe(spanOf(text, 'iam:GetCredentialReport').start);
    expect(finding?.findingDetails).toContain('iam:Get*');
  });

  it('compares case-insensitively and reports the later of two equal entries once', () => {
    const found = findingsOf(
      allow(['s3:get*', 'S3:GETOBJECT', 'ec2:DescribeInstances', 'EC2:describeinstances']),
      'REDUNDANT_ACTION',
    );
    expect(found.map((f) => f.locations[0]?.path.at(-1))).toEqual([{ index: 1 }, { index: 3 }]);
  });

  it('flags every entry when "*" is listed', () => {
    expect(findingsOf(allow(['*', 's3:GetObject']), 'REDUNDANT_ACTION')).toHaveLength(1);
  });

  it('flags redundant NotAction entries', () => {
    const text = policyText({ Effect: 'Deny', NotAction: ['iam:*', 'iam:PassRole'], Resource: '*' });
    expect(findingsOf(text, 'REDUNDANT_ACTION')[0]?.locations[0]?.path.at(-2)).toEqual({
      value: 'NotAction',
    });
  });

  it('does not flag entries that only overlap, or entries of different statements', () => {
    expect(findingsOf(allow(['iam:Get*', 'iam:*CredentialReport']), 'REDUNDANT_ACTION')).toEqual([]);
    const two = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:Get*', Resource: '*' },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
      ],
    });
    expect(findingsOf(two, 'REDUNDANT_ACTION')).toEqual([]);
  });
});
