import { describe, expect, it } from 'vitest';
import { getCatalog } from '../catalog/index.ts';
import { PARTITIONS } from '../policy/index.ts';
import {
  accountMayMatch,
  arnMayMatchTemplate,
  arnTemplateOf,
  partitionMayBeValid,
  partitionOfRegion,
  patternsOverlap,
  readArnPattern,
  REGIONS_BY_PARTITION,
  templatePattern,
  templatesForService,
} from './arn-format.ts';
import type { ArnPattern } from './arn-format.ts';

const catalog = getCatalog();

function arnOf(text: string): ArnPattern {
  const reading = readArnPattern(text);
  if (reading.kind !== 'arn') throw new Error(`not a six-field ARN: ${text}`);
  return reading.arn;
}

function template(service: string, key: string) {
  const info = catalog.resourceType(service, key);
  if (!info) throw new Error(`no resource type ${service}/${key}`);
  return arnTemplateOf(info)!;
}

describe('readArnPattern', () => {
  it('splits the six fields and records where each starts', () => {
    const arn = arnOf('arn:aws:ec2:us-east-1:111122223333:instance/i-0abc:extra');
    expect(
      [arn.partition, arn.service, arn.region, arn.account, arn.resource].map((f) => [f.text, f.start]),
    ).toEqual([
      ['aws', 4],
      ['ec2', 8],
      ['us-east-1', 12],
      ['111122223333', 22],
      ['instance/i-0abc:extra', 35],
    ]);
    expect(arn.region.open).toBe(false);
  });

  it('does not split at colons inside policy variables, and marks variable fields open', () => {
    const arn = arnOf('arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}');
    expect(arn.account.text).toBe('${aws:PrincipalAccount}');
    expect(arn.account.open).toBe(true);
    expect(arn.resource.text).toBe('user/${aws:username}');
  });

  it('tells a short ARN from a string that is no ARN', () => {
    expect(readArnPattern('arn:aws:s3:bucket')).toEqual({ kind: 'missing-fields', fields: 4 });
    expect(readArnPattern('bucket')).toEqual({ kind: 'not-arn' });
    expect(readArnPattern('*')).toEqual({ kind: 'not-arn' });
  });
});

describe('patternsOverlap', () => {
  const field = (text: string) => arnOf(`arn:aws:s3:::${text}`).resource.pattern;

  it('finds a common string for wildcards on both sides', () => {
    expect(patternsOverlap(field('logs/*'), templatePattern('${BucketName}/${ObjectName}'))).toBe(true);
    expect(patternsOverlap(field('*-prod/?'), field('team-*/x'))).toBe(true);
    expect(patternsOverlap(field('a*'), field('*b'))).toBe(true);
  });

  it('rejects patterns whose literals disagree, case-sensitively', () => {
    expect(patternsOverlap(field('tabel/*'), templatePattern('table/${TableName}'))).toBe(false);
    expect(patternsOverlap(field('Table/x'), templatePattern('table/${TableName}'))).toBe(false);
    expect(patternsOverlap(field('a*c'), field('*b'))).toBe(false);
  });

  it('treats a placeholder as non-empty and a "?" as exactly one character', () => {
    expect(patternsOverlap(field('table/'), templatePattern('table/${TableName}'))).toBe(false);
    expect(patternsOverlap(field('??'), field('abc'))).toBe(false);
    expect(patternsOverlap(field('???'), field('abc'))).toBe(true);
  });

  it('treats the empty field as matching only "*"-only patterns', () => {
    expect(patternsOverlap([], arnOf('arn:aws:s3:*::b').region.pattern)).toBe(true);
    expect(patternsOverlap([], templatePattern('${Region}'))).toBe(false);
  });
});

describe('Regions and partitions', () => {
  it('has Region codes for every partition and places each Region in one', () => {
    expect(Object.keys(REGIONS_BY_PARTITION).sort()).toEqual([...PARTITIONS].sort());
    expect(partitionOfRegion('us-east-1')).toBe('aws');
    expect(partitionOfRegion('mx-central-1')).toBe('aws');
    expect(partitionOfRegion('cn-northwest-1')).toBe('aws-cn');
    expect(partitionOfRegion('us-gov-east-1')).toBe('aws-us-gov');
    expect(partitionOfRegion('eusc-de-east-1')).toBe('aws-eusc');
    expect(partitionOfRegion('us-east-7')).toBeUndefined();
  });

  it('accepts partitions and patterns that can match one', () => {
    expect(partitionMayBeValid(arnOf('arn:aws-iso-f:s3:::b').partition)).toBe(true);
    expect(partitionMayBeValid(arnOf('arn:aws-*:s3:::b').partition)).toBe(true);
    expect(partitionMayBeValid(arnOf('arn:amazon:s3:::b').partition)).toBe(false);
    expect(partitionMayBeValid(arnOf('arn:gcp*:s3:::b').partition)).toBe(false);
  });
});

describe('ARN templates', () => {
  it('files formats under the service written in the ARN, which can differ from the defining service', () => {
    const sns = templatesForService(catalog, 'sns');
    expect(sns.some((t) => t.resourceType.service === 'devops-guru')).toBe(true);
    expect(templatesForService(catalog, 'nosuchservice')).toEqual([]);
  });

  it('files a format with a placeholder service under the service that defines it', () => {
    const backup = templatesForService(catalog, 'backup');
    expect(backup.some((t) => t.resourceType.arnTemplate.includes('${Vendor}'))).toBe(true);
  });

  it('matches policy ARNs against formats field by field', () => {
    const object = template('s3', 'object');
    expect(arnMayMatchTemplate(arnOf('arn:aws:s3:::amzn-s3-demo-bucket/*'), object)).toBe(true);
    expect(arnMayMatchTemplate(arnOf('arn:aws:s3:us-east-1::amzn-s3-demo-bucket/*'), object)).toBe(false);
    expect(arnMayMatchTemplate(arnOf('arn:aws:s3:::amzn-s3-demo-bucket'), object)).toBe(false);
    expect(arnMayMatchTemplate(arnOf('arn:aws:*:*:*:*'), object)).toBe(true);
  });

  it('lets the empty and aws accounts of AWS-owned resources fit an account placeholder only', () => {
    const policy = template('iam', 'policy');
    expect(accountMayMatch(arnOf('arn:aws:iam::aws:policy/ReadOnlyAccess').account, policy)).toBe(true);
    expect(accountMayMatch(arnOf('arn:aws:iam:::policy/x').account, policy)).toBe(true);
    const bucket = template('s3', 'bucket');
    expect(accountMayMatch(arnOf('arn:aws:s3::aws:b').account, bucket)).toBe(false);
    expect(accountMayMatch(arnOf('arn:aws:s3::111122223333:b').account, bucket)).toBe(false);
  });
});
