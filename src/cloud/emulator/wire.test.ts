import { describe, expect, it } from 'vitest';
import { CloudError } from '../errors.ts';
import { parseQueryParams } from './query.ts';
import { parseAuthorization } from './sigv4.ts';
import { errorXml, resultXml, rfc3986 } from './xml.ts';

describe('parseQueryParams', () => {
  it('rebuilds lists, maps, numbers and booleans from Query parameters', () => {
    const params = new URLSearchParams(
      'Action=CreatePolicy&Version=2010-05-08&PolicyName=p&Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&Tags.member.1.Value=1' +
        '&MaxItems=5&OnlyAttached=true&TagKeys=&MessageAttributes.entry.1.Name=n&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=v',
    );
    expect(parseQueryParams(params)).toEqual({
      action: 'CreatePolicy',
      version: '2010-05-08',
      input: {
        PolicyName: 'p',
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
        MaxItems: 5,
        OnlyAttached: true,
        TagKeys: [],
        MessageAttributes: { n: { DataType: 'String', StringValue: 'v' } },
      },
    });
  });

  it('answers ValidationError for values of the wrong type or clashing parameters', () => {
    expect(() => parseQueryParams(new URLSearchParams('MaxItems=ten'))).toThrow(CloudError);
    expect(() => parseQueryParams(new URLSearchParams('SetAsDefault=yes'))).toThrow(/true or false/);
    expect(() => parseQueryParams(new URLSearchParams('Tags=x&Tags.member.1.Key=k'))).toThrow(/malformed/);
    expect(() => parseQueryParams(new URLSearchParams('Tags.member.0.Key=k'))).toThrow(/malformed/);
  });
});

describe('XML', () => {
  it('writes results with members, ISO times, URL-encoded documents and escaped text', () => {
    const xml = resultXml(
      'iam',
      'GetRolePolicy',
      {
        RoleName: 'r<1>',
        PolicyDocument: '{"a": "b c"}',
        When: new Date('2025-01-02T03:04:05.678Z'),
        Names: ['x', 'y'],
        Ok: true,
      },
      'req-1',
    );
    expect(xml).toContain(
      '<GetRolePolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRolePolicyResult>',
    );
    expect(xml).toContain('<RoleName>r&lt;1&gt;</RoleName>');
    expect(xml).toContain('<PolicyDocument>%7B%22a%22%3A%20%22b%20c%22%7D</PolicyDocument>');
    expect(xml).toContain('<When>2025-01-02T03:04:05Z</When>');
    expect(xml).toContain('<Names><member>x</member><member>y</member></Names><Ok>true</Ok>');
    expect(xml).toContain(
      '<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetRolePolicyResponse>',
    );
    expect(resultXml('sts', 'AttachUserPolicy', undefined, 'r')).not.toContain('Result>');
  });

  it('writes errors in ErrorResponse form', () => {
    expect(errorXml('sns', { type: 'Sender', code: 'InvalidParameter', message: 'a & b' }, 'r')).toContain(
      '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>a &amp; b</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    );
  });

  it('percent-encodes every reserved character, as RFC 3986 asks', () => {
    expect(rfc3986("a!'()*~ b")).toBe('a%21%27%28%29%2A~%20b');
  });
});

describe('parseAuthorization', () => {
  it('reads the credential scope, signed headers and signature', () => {
    expect(
      parseAuthorization(
        'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20250102/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123',
      ),
    ).toEqual({
      accessKeyId: 'AKIAEXAMPLE',
      date: '20250102',
      region: 'us-east-1',
      service: 'iam',
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'abc123',
    });
  });

  it('names what is missing or malformed', () => {
    const code = (header: string | undefined) => {
      try {
        parseAuthorization(header);
      } catch (err) {
        return (err as CloudError).code;
      }
      return 'none';
    };
    expect(code(undefined)).toBe('MissingAuthenticationToken');
    expect(code('AWS3 whatever')).toBe('IncompleteSignature');
    expect(code('AWS4-HMAC-SHA256 Credential=AKID/20250102/us-east-1/iam/aws4_request')).toBe(
      'IncompleteSignature',
    );
    expect(code('AWS4-HMAC-SHA256 Credential=AKID/20250102/iam, SignedHeaders=host, Signature=x')).toBe(
      'IncompleteSignature',
    );
  });
});
