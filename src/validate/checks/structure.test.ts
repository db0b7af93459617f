import { describe, expect, it } from 'vitest';
import type { ValidateOptions } from '../check.ts';
import type { Finding } from '../finding.ts';
import { validatePolicy } from '../validate.ts';
import { policySize } from './structure.ts';

const codes = (text: string, options?: ValidateOptions) =>
  validatePolicy(text, options).findings.map((f) => f.issueCode);
const only = (code: string, text: string, options?: ValidateOptions): Finding[] =>
  validatePolicy(text, options).findings.filter((f) => f.issueCode === code);
/** The source text a finding's location points at. */
const spanText = (text: string, f: Finding | undefined, i = 0): string => {
  const span = f?.locations[i]?.span;
  return span ? text.slice(span.start.offset, span.end.offset) : '<no location>';
};

const S3_GET = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' };
/** A compact policy document, so spans are easy to read off the text. */
const doc = (statement: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Version: '2012-10-17', ...extra, Statement: statement });
const TRUST = { policyType: 'trust' } as const;
const RESOURCE = { policyType: 'resource' } as const;

describe('MISSING_VERSION', () => {
  it('flags a policy without Version', () => {
    const result = validatePolicy(
      '{"Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}',
    );
    const finding = result.findings.find((f) => f.issueCode === 'MISSING_VERSION');
    expect(finding?.findingType).toBe('WARNING');
    expect(finding?.locations[0]?.span.start).toEqual({ line: 1, column: 0, offset: 0 });
  });
  it('does not flag a policy with Version', () => {
    expect(
      codes(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}',
      ),
    ).not.toContain('MISSING_VERSION');
  });
});

describe('INVALID_VERSION', () => {
  it('flags a date that is not a language version', () => {
    const text = doc([S3_GET]).replace('2012-10-17', '2024-01-01');
    const [f] = only('INVALID_VERSION', text);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Version' }]);
    expect(spanText(text, f)).toBe('"2024-01-01"');
  });
  it('accepts both language versions', () => {
    expect(codes(doc([S3_GET]))).not.toContain('INVALID_VERSION');
    expect(codes(doc([S3_GET], { Version: '2008-10-17' }))).not.toContain('INVALID_VERSION');
  });
  it('leaves a non-string Version to DATA_TYPE_MISMATCH', () => {
    const found = codes(doc([S3_GET], { Version: 2012 }));
    expect(found).not.toContain('INVALID_VERSION');
    expect(found).toContain('DATA_TYPE_MISMATCH');
  });
});

describe('MISSING_STATEMENT', () => {
  it('flags a policy without a Statement element', () => {
    const [f] = only('MISSING_STATEMENT', '{"Version":"2012-10-17"}');
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([]);
  });
  it('flags an empty Statement array', () => {
    const text = doc([]);
    const [f] = only('MISSING_STATEMENT', text);
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }]);
    expect(spanText(text, f)).toBe('[]');
  });
  it('accepts a single statement object or an array', () => {
    expect(codes(doc(S3_GET))).not.toContain('MISSING_STATEMENT');
    expect(codes(doc([S3_GET]))).not.toContain('MISSING_STATEMENT');
  });
});

describe('INVALID_POLICY_ELEMENT', () => {
  it('flags an unknown top-level element at its key', () => {
    const text = doc([S3_GET], { Comment: 'x' });
    const [f] = only('INVALID_POLICY_ELEMENT', text);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ key: 'Comment' }]);
    expect(spanText(text, f)).toBe('"Comment"');
  });
  it('flags a statement element with the wrong case and names the right one', () => {
    const text = doc([{ Effect: 'Allow', action: 's3:GetObject', Resource: '*' }]);
    const [f] = only('INVALID_POLICY_ELEMENT', text);
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { key: 'action' }]);
    expect(spanText(text, f)).toBe('"action"');
    expect(f?.findingDetails).toContain('"Action"');
  });
  it('accepts every element of the grammar', () => {
    const statement = {
      Sid: 'All',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::bucket/*',
      Condition: { Bool: { 'aws:SecureTransport': 'true' } },
    };
    expect(codes(doc([statement], { Id: 'P1' }), RESOURCE)).not.toContain('INVALID_POLICY_ELEMENT');
  });
});

describe('DATA_TYPE_MISMATCH', () => {
  const mismatches = (text: string, options?: ValidateOptions) =>
    only('DATA_TYPE_MISMATCH', text, options).map((f) => ({
      path: f.locations[0]?.path,
      text: spanText(text, f),
    }));

  it('flags a document that is not an object', () => {
    expect(mismatches('[{"Effect":"Allow"}]')).toEqual([{ path: [], text: '[{"Effect":"Allow"}]' }]);
  });
  it('flags a numeric Effect', () => {
    const text = doc([{ Effect: 1, Action: 's3:GetObject', Resource: '*' }]);
    const [f] = only('DATA_TYPE_MISMATCH', text);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Effect' }]);
    expect(spanText(text, f)).toBe('1');
  });
  it('flags an object as Action and a non-string Resource entry', () => {
    const text = doc([{ Effect: 'Allow', Action: { s3: 'GetObject' }, Resource: ['*', 7] }]);
    expect(mismatches(text)).toEqual([
      { path: [{ value: 'Statement' }, { index: 0 }, { value: 'Action' }], text: '{"s3":"GetObject"}' },
      { path: [{ value: 'Statement' }, { index: 0 }, { value: 'Resource' }, { index: 1 }], text: '7' },
    ]);
  });
  it('flags a Condition that is not an object of objects, and null or object condition values', () => {
    expect(mismatches(doc([{ ...S3_GET, Condition: 'aws:SecureTransport' }]))).toHaveLength(1);
    const text = doc([
      { ...S3_GET, Condition: { Bool: 'true', StringEquals: { 'aws:username': null, 's3:prefix': [{}] } } },
    ]);
    expect(mismatches(text).map((m) => m.text)).toEqual(['"true"', 'null', '{}']);
  });
  it('flags a Statement that is not an object or array, and array items that are not statements', () => {
    expect(mismatches('{"Version":"2012-10-17","Statement":"none"}').map((m) => m.text)).toEqual(['"none"']);
    expect(mismatches(doc(['x', S3_GET])).map((m) => m.path)).toEqual([
      [{ value: 'Statement' }, { index: 0 }],
    ]);
  });
  it('flags a Principal that is neither a string nor an object', () => {
    const text = doc([{ ...S3_GET, Principal: 42 }]);
    expect(mismatches(text, RESOURCE).map((m) => m.text)).toEqual(['42']);
  });
  it('accepts the types IAM accepts', () => {
    const statement = {
      Sid: 'A1',
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::111122223333:root'], Service: 'ec2.amazonaws.com' },
      Action: ['s3:GetObject'],
      Resource: 'arn:aws:s3:::bucket/*',
      Condition: { NumericLessThan: { 's3:max-keys': 10 }, Bool: { 'aws:SecureTransport': [true] } },
    };
    expect(mismatches(doc(statement), RESOURCE)).toEqual([]);
    expect(mismatches(doc([{ ...S3_GET, Principal: '*' }]), RESOURCE)).toEqual([]);
  });
});

describe('MISSING_EFFECT', () => {
  it('flags a statement without Effect, pointing at the statement', () => {
    const text = doc([{ Action: 's3:GetObject', Resource: '*' }]);
    const [f] = only('MISSING_EFFECT', text);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }]);
    expect(spanText(text, f)).toBe('{"Action":"s3:GetObject","Resource":"*"}');
  });
  it('does not flag a statement whose Effect has the wrong type', () => {
    expect(codes(doc([{ ...S3_GET, Effect: true }]))).not.toContain('MISSING_EFFECT');
    expect(codes(doc([S3_GET]))).not.toContain('MISSING_EFFECT');
  });
});

describe('INVALID_EFFECT', () => {
  it('flags a lower-case effect and says the value is case-sensitive', () => {
    const text = doc([{ ...S3_GET, Effect: 'allow' }]);
    const [f] = only('INVALID_EFFECT', text);
    expect(f?.findingType).toBe('ERROR');
    expect(spanText(text, f)).toBe('"allow"');
    expect(f?.findingDetails).toContain('case-sensitive');
  });
  it('flags a value that is no effect at all', () => {
    expect(only('INVALID_EFFECT', doc([{ ...S3_GET, Effect: 'Permit' }]))[0]?.findingDetails).not.toContain(
      'case',
    );
  });
  it('accepts Allow and Deny', () => {
    expect(codes(doc([S3_GET, { ...S3_GET, Effect: 'Deny' }]))).not.toContain('INVALID_EFFECT');
  });
});

describe('MISSING_ACTION', () => {
  it('flags a statement without Action or NotAction', () => {
    const [f] = only('MISSING_ACTION', doc([{ Effect: 'Allow', Resource: '*' }]));
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }]);
  });
  it('accepts NotAction in place of Action', () => {
    expect(codes(doc([{ Effect: 'Deny', NotAction: 'iam:*', Resource: '*' }]))).not.toContain(
      'MISSING_ACTION',
    );
  });
});

describe('MISSING_RESOURCE', () => {
  it('flags an identity statement without Resource or NotResource', () => {
    const [f] = only('MISSING_RESOURCE', doc([{ Effect: 'Allow', Action: 's3:GetObject' }]));
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }]);
  });
  it('flags SCP statements too', () => {
    expect(codes(doc([{ Effect: 'Deny', Action: 's3:*' }]), { policyType: 'scp' })).toContain(
      'MISSING_RESOURCE',
    );
  });
  it('does not flag role trust policies or NotResource', () => {
    const trust = { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' };
    expect(codes(doc([trust]), TRUST)).not.toContain('MISSING_RESOURCE');
    expect(codes(doc([{ Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::b' }]))).not.toContain(
      'MISSING_RESOURCE',
    );
  });
});

describe('UNSUPPORTED_ELEMENT_COMBINATION', () => {
  it('flags Action with NotAction, pointing at both keys', () => {
    const text = doc([{ ...S3_GET, NotAction: 'iam:*' }]);
    const [f] = only('UNSUPPORTED_ELEMENT_COMBINATION', text);
    expect(f?.findingType).toBe('ERROR');
    expect(spanText(text, f, 0)).toBe('"Action"');
    expect(spanText(text, f, 1)).toBe('"NotAction"');
    expect(f?.locations[1]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { key: 'NotAction' }]);
  });
  it('flags Resource with NotResource and Principal with NotPrincipal', () => {
    const statement = { ...S3_GET, NotResource: 'x', Principal: '*', NotPrincipal: { AWS: '111122223333' } };
    expect(only('UNSUPPORTED_ELEMENT_COMBINATION', doc([statement]), RESOURCE)).toHaveLength(2);
  });
  it('does not flag one element of each pair', () => {
    expect(codes(doc([{ Effect: 'Deny', NotAction: 'iam:*', NotResource: 'x' }]))).not.toContain(
      'UNSUPPORTED_ELEMENT_COMBINATION',
    );
  });
});

describe('UNSUPPORTED_SID', () => {
  it('flags a Sid with a space or punctuation in an identity policy', () => {
    const text = doc([{ ...S3_GET, Sid: 'Read objects' }]);
    const [f] = only('UNSUPPORTED_SID', text);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Sid' }]);
    expect(spanText(text, f)).toBe('"Read objects"');
    expect(codes(doc([{ ...S3_GET, Sid: 'read-objects' }]), TRUST)).toContain('UNSUPPORTED_SID');
  });
  it('accepts letters and digits, and other characters in resource and Organizations policies', () => {
    expect(codes(doc([{ ...S3_GET, Sid: 'ReadObjects2' }]))).not.toContain('UNSUPPORTED_SID');
    const bucket = { ...S3_GET, Sid: 'Read objects', Principal: '*' };
    expect(codes(doc([bucket]), RESOURCE)).not.toContain('UNSUPPORTED_SID');
    expect(codes(doc([{ ...S3_GET, Sid: 'Deny-all' }]), { policyType: 'scp' })).not.toContain(
      'UNSUPPORTED_SID',
    );
  });
  it('leaves an empty Sid to EMPTY_SID_VALUE', () => {
    expect(codes(doc([{ ...S3_GET, Sid: '' }]))).not.toContain('UNSUPPORTED_SID');
  });
});

describe('UNIQUE_SIDS_REQUIRED', () => {
  it('flags the second use of a Sid in an identity policy', () => {
    const text = doc([
      { ...S3_GET, Sid: 'Same' },
      { ...S3_GET, Action: 's3:PutObject', Sid: 'Same' },
    ]);
    const found = only('UNIQUE_SIDS_REQUIRED', text);
    expect(found).toHaveLength(1);
    expect(found[0]?.findingType).toBe('ERROR');
    expect(found[0]?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 1 }, { value: 'Sid' }]);
  });
  it('does not flag distinct Sids, or resource policies', () => {
    expect(
      codes(
        doc([
          { ...S3_GET, Sid: 'A' },
          { ...S3_GET, Action: 's3:PutObject', Sid: 'B' },
        ]),
      ),
    ).not.toContain('UNIQUE_SIDS_REQUIRED');
    const bucket = { ...S3_GET, Principal: '*', Sid: 'Same' };
    expect(codes(doc([bucket, { ...bucket, Action: 's3:PutObject' }]), RESOURCE)).not.toContain(
      'UNIQUE_SIDS_REQUIRED',
    );
  });
});

describe('UNIQUE_SIDS_RECOMMENDED', () => {
  const bucket = { ...S3_GET, Principal: '*', Sid: 'Same' };
  it('warns about a repeated Sid in a resource policy', () => {
    const [f] = only(
      'UNIQUE_SIDS_RECOMMENDED',
      doc([bucket, { ...bucket, Action: 's3:PutObject' }]),
      RESOURCE,
    );
    expect(f?.findingType).toBe('WARNING');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 1 }, { value: 'Sid' }]);
  });
  it('does not apply to identity policies, where the error applies', () => {
    expect(
      codes(
        doc([
          { ...S3_GET, Sid: 'S' },
          { ...S3_GET, Action: 's3:PutObject', Sid: 'S' },
        ]),
      ),
    ).not.toContain('UNIQUE_SIDS_RECOMMENDED');
  });
});

describe('EMPTY_SID_VALUE', () => {
  it('suggests naming a statement with an empty Sid', () => {
    const text = doc([{ ...S3_GET, Sid: '' }]);
    const [f] = only('EMPTY_SID_VALUE', text);
    expect(f?.findingType).toBe('SUGGESTION');
    expect(spanText(text, f)).toBe('""');
  });
  it('does not flag a named or unnamed statement', () => {
    expect(codes(doc([{ ...S3_GET, Sid: 'Read' }, S3_GET]))).not.toContain('EMPTY_SID_VALUE');
  });
});

describe('DUPLICATE_KEYS', () => {
  it('flags a key that appears twice in a statement, at the second key', () => {
    const text =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Action":"s3:*","Resource":"*"}]}';
    const [f] = only('DUPLICATE_KEYS', text);
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { key: 'Action' }]);
    expect(f?.locations[0]?.span.start.offset).toBe(text.lastIndexOf('"Action"'));
  });
  it('flags a repeated condition operator with its path', () => {
    const text =
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*",' +
      '"Condition":{"StringLike":{"s3:prefix":"a/"},"StringLike":{"s3:prefix":"b/"}}}}';
    const [f] = only('DUPLICATE_KEYS', text);
    expect(f?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { value: 'Condition' },
      { key: 'StringLike' },
    ]);
  });
  it('does not flag a document without repeated keys', () => {
    expect(codes(doc([S3_GET, S3_GET]))).not.toContain('DUPLICATE_KEYS');
  });
});

/** A policy with `n` resource ARNs of 38 characters each: about 38n + 100 characters without whitespace. */
function bigPolicy(n: number, indent?: number): string {
  const resources = Array.from(
    { length: n },
    (_, i) => `arn:aws:s3:::bucket-${String(i).padStart(5, '0')}/objects/*`,
  );
  return JSON.stringify(
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resources }] },
    null,
    indent,
  );
}

describe('policySize', () => {
  it('leaves out whitespace between tokens but keeps it inside strings', () => {
    const text = '{ "a" : "b c" ,\n\t"d": [ 1 ] }';
    const root = validatePolicy(text).policy!.root;
    expect(policySize(text, root, false)).toBe('{"a":"b c","d":[1]}'.length);
    expect(policySize(text, root, true)).toBe(text.length);
  });
  it('does not end a string at an escaped quote', () => {
    const text = '{"a":"x\\" y"}';
    expect(policySize(text, validatePolicy(text).policy!.root, false)).toBe(text.length);
  });
});

describe('POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA', () => {
  const over6144 = bigPolicy(170); // about 6,550 characters
  it('warns when a managed policy is over 6,144 characters', () => {
    const [f] = only('POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA', over6144);
    expect(f?.findingType).toBe('WARNING');
    expect(f?.locations[0]?.path).toEqual([]);
    expect(f?.findingDetails).toContain('6144');
    expect(
      only('POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA', over6144, { policyType: 'boundary' }),
    ).toHaveLength(1);
  });
  it('does not count whitespace for IAM policies', () => {
    const padded = bigPolicy(140, 8); // over 6,144 with indentation, under it without
    expect(padded.length).toBeGreaterThan(6144);
    expect(codes(padded)).not.toContain('POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA');
  });
  it('holds inline policies to the quota of their identity', () => {
    const mid = bigPolicy(60); // about 2,370 characters
    expect(codes(mid, { policyKind: 'inline-user' })).toContain('POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA');
    expect(codes(mid, { policyKind: 'inline-group' })).not.toContain(
      'POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA',
    );
    expect(codes(bigPolicy(140), { policyKind: 'inline-group' })).toContain(
      'POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA',
    );
    expect(codes(over6144, { policyKind: 'inline-role' })).not.toContain(
      'POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA',
    );
    expect(codes(bigPolicy(280), { policyKind: 'inline-role' })).toContain(
      'POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA',
    );
  });
  it('counts every character of a session policy against 2,048', () => {
    const compact = bigPolicy(45);
    const indented = bigPolicy(45, 8);
    expect(compact.length).toBeLessThan(2048);
    expect(indented.length).toBeGreaterThan(2048);
    expect(codes(compact, { policyType: 'session' })).not.toContain(
      'POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA',
    );
    expect(codes(indented, { policyType: 'session' })).toContain('POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA');
  });
  it('does not apply to resource policies', () => {
    expect(codes(bigPolicy(300), RESOURCE)).not.toContain('POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA');
  });
});

describe('POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA', () => {
  const trust = (n: number) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: {
            AWS: Array.from(
              { length: n },
              (_, i) => `arn:aws:iam::1111222233${String(i).padStart(2, '0')}:root`,
            ),
          },
          Action: 'sts:AssumeRole',
        },
      ],
    });
  it('warns when a role trust policy is over 2,048 characters and says the quota can be raised', () => {
    const [f] = only('POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA', trust(70), TRUST);
    expect(f?.findingType).toBe('WARNING');
    expect(f?.findingDetails).toContain('4,096');
  });
  it('does not flag a short trust policy', () => {
    expect(codes(trust(10), TRUST)).not.toContain('POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA');
  });
});

describe('POLICY_SIZE_EXCEEDS_SCP_QUOTA', () => {
  it('flags an SCP over 5,120 characters, whitespace included', () => {
    const indented = bigPolicy(100, 8);
    expect(bigPolicy(100).length).toBeLessThan(5120);
    expect(indented.length).toBeGreaterThan(5120);
    const [f] = only('POLICY_SIZE_EXCEEDS_SCP_QUOTA', indented, { policyType: 'scp' });
    expect(f?.findingType).toBe('ERROR');
    expect(f?.locations[0]?.path).toEqual([]);
  });
  it('does not flag a compact SCP under the quota, or other policy types', () => {
    expect(codes(bigPolicy(100), { policyType: 'scp' })).not.toContain('POLICY_SIZE_EXCEEDS_SCP_QUOTA');
    expect(codes(bigPolicy(200))).not.toContain('POLICY_SIZE_EXCEEDS_SCP_QUOTA');
  });
});

describe('POLICY_SIZE_EXCEEDS_RCP_QUOTA', () => {
  it('flags an RCP over 5,120 characters', () => {
    const [f] = only('POLICY_SIZE_EXCEEDS_RCP_QUOTA', bigPolicy(140), { policyType: 'rcp' });
    expect(f?.findingType).toBe('ERROR');
  });
  it('does not flag a short RCP', () => {
    expect(codes(bigPolicy(10), { policyType: 'rcp' })).not.toContain('POLICY_SIZE_EXCEEDS_RCP_QUOTA');
  });
});

describe('EMPTY_ARRAY_ACTION', () => {
  it('flags an empty Action array and does not also report it missing', () => {
    const text = doc([{ Effect: 'Allow', Action: [], Resource: '*' }]);
    const [f] = only('EMPTY_ARRAY_ACTION', text);
    expect(f?.findingType).toBe('SUGGESTION');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Action' }]);
    expect(spanText(text, f)).toBe('[]');
    expect(codes(text)).not.toContain('MISSING_ACTION');
  });
  it('flags an empty NotAction array as covering every action', () => {
    const [f] = only('EMPTY_ARRAY_ACTION', doc([{ Effect: 'Allow', NotAction: [], Resource: '*' }]));
    expect(f?.findingDetails).toContain('every action');
  });
  it('does not flag a non-empty list', () => {
    expect(codes(doc([{ ...S3_GET, Action: ['s3:GetObject'] }]))).not.toContain('EMPTY_ARRAY_ACTION');
  });
});

describe('EMPTY_ARRAY_RESOURCE', () => {
  it('flags empty Resource and NotResource arrays', () => {
    const text = doc([{ ...S3_GET, Resource: [] }]);
    const [f] = only('EMPTY_ARRAY_RESOURCE', text);
    expect(f?.findingType).toBe('SUGGESTION');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Resource' }]);
    expect(
      only('EMPTY_ARRAY_RESOURCE', doc([{ Effect: 'Deny', Action: 's3:*', NotResource: [] }]))[0]
        ?.findingDetails,
    ).toContain('every resource');
  });
  it('does not flag a non-empty list', () => {
    expect(codes(doc([S3_GET]))).not.toContain('EMPTY_ARRAY_RESOURCE');
  });
});

describe('REDUNDANT_STATEMENT', () => {
  const redundant = (text: string, options?: ValidateOptions) =>
    only('REDUNDANT_STATEMENT', text, options).map((f) => f.locations[0]?.path);

  it('flags the later of two statements that differ only in Sid', () => {
    const text = doc([
      { ...S3_GET, Sid: 'First' },
      { ...S3_GET, Sid: 'Second', Action: ['S3:getobject'] },
    ]);
    const [f] = only('REDUNDANT_STATEMENT', text);
    expect(f?.findingType).toBe('SUGGESTION');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 1 }]);
    expect(f?.findingDetails).toContain('"First"');
    expect(spanText(text, f).startsWith('{"Effect"')).toBe(true);
  });
  it('flags a statement contained in a broader unconditional one, even when it comes first', () => {
    const text = doc([S3_GET, { Effect: 'Allow', Action: ['s3:*', 'ec2:Describe*'], Resource: '*' }]);
    expect(redundant(text)).toEqual([[{ value: 'Statement' }, { index: 0 }]]);
  });
  it('uses NotAction and NotResource precisely', () => {
    const everythingButIam = { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' };
    expect(redundant(doc([everythingButIam, S3_GET]))).toEqual([[{ value: 'Statement' }, { index: 1 }]]);
    expect(redundant(doc([everythingButIam, { ...S3_GET, Action: 'iam:PassRole' }]))).toEqual([]);
    expect(redundant(doc([everythingButIam, { ...S3_GET, Action: '*Role' }]))).toEqual([]);
    const denyOutside = { Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::bucket/*' };
    const denyOutsideNarrower = {
      Effect: 'Deny',
      Action: 's3:GetObject',
      NotResource: ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::other/*'],
    };
    expect(redundant(doc([denyOutside, denyOutsideNarrower]))).toEqual([
      [{ value: 'Statement' }, { index: 1 }],
    ]);
  });
  it('keeps statements that a conditional or opposite statement only seems to cover', () => {
    const conditional = {
      Effect: 'Allow',
      Action: 's3:*',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'true' } },
    };
    expect(redundant(doc([conditional, S3_GET]))).toEqual([]);
    expect(redundant(doc([{ Effect: 'Deny', Action: 's3:*', Resource: '*' }, S3_GET]))).toEqual([]);
    expect(redundant(doc([S3_GET, { ...S3_GET, Resource: 'arn:aws:s3:::*' }]))).toEqual([
      [{ value: 'Statement' }, { index: 0 }],
    ]);
    expect(redundant(doc([{ ...S3_GET, Resource: 'arn:aws:s3:::other/*' }, S3_GET]))).toEqual([]);
  });
  it('treats statements with the same condition as comparable', () => {
    const cond = { StringEquals: { 'aws:PrincipalTag/team': ['b', 'a'] } };
    const wide = { Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: cond };
    const narrow = { ...S3_GET, Condition: { StringEquals: { 'aws:principaltag/team': ['a', 'b'] } } };
    expect(redundant(doc([wide, narrow]))).toEqual([[{ value: 'Statement' }, { index: 1 }]]);
  });
  it('compares principals in trust policies', () => {
    const trust = (principal: unknown) => ({
      Effect: 'Allow',
      Principal: principal,
      Action: 'sts:AssumeRole',
    });
    const a = { AWS: 'arn:aws:iam::111122223333:root' };
    const b = { AWS: 'arn:aws:iam::444455556666:root' };
    expect(redundant(doc([trust(a), trust(a)]), TRUST)).toEqual([[{ value: 'Statement' }, { index: 1 }]]);
    expect(redundant(doc([trust(a), trust(b)]), TRUST)).toEqual([]);
    expect(redundant(doc([trust({ AWS: [a.AWS, b.AWS] }), trust(b)]), TRUST)).toEqual([
      [{ value: 'Statement' }, { index: 1 }],
    ]);
  });
});
