import { describe, expect, it } from 'vitest';
import { getCatalog } from './catalog.ts';

const catalog = getCatalog();

describe('catalog', () => {
  it('knows services by prefix, case-insensitively', () => {
    expect(catalog.service('S3')?.name).toMatch(/S3/);
    expect(catalog.service('translate')?.prefix).toBe('translate');
    expect(catalog.service('nosuchservice')).toBeUndefined();
    expect(catalog.services().length).toBeGreaterThan(300);
  });

  it('looks up actions with their access levels and resource types', () => {
    const get = catalog.action('s3:getobject')!;
    expect(get.key).toBe('s3:GetObject');
    expect(get.accessLevel).toBe('Read');
    expect(get.resourceTypes.map((r) => r.name)).toContain('object');
    expect(get.wildcardOnly).toBe(false);
    expect(catalog.action('iam:AttachUserPolicy')?.accessLevel).toBe('Permissions management');
    expect(catalog.action('s3:ListAllMyBuckets')?.wildcardOnly).toBe(true);
    expect(catalog.action('s3:NoSuchAction')).toBeUndefined();
    expect(catalog.action('nocolon')).toBeUndefined();
  });

  it('expands action wildcards like IAM does', () => {
    const names = catalog.expandAction('s3:Get*').map((a) => a.name);
    expect(names).toContain('GetObject');
    expect(names.every((n) => n.startsWith('Get'))).toBe(true);
    expect(catalog.expandAction('S3:GETOBJECT').map((a) => a.key)).toEqual(['s3:GetObject']);
    expect(catalog.expandAction('translate:*').length).toBe(catalog.actionsOf('translate').length);
    expect(catalog.expandAction('s3:Gett*')).toEqual([]);
    expect(catalog.expandAction('*').length).toBe(catalog.allActions().length);
    expect(catalog.expandAction('iam:Pass?ole').map((a) => a.key)).toEqual(['iam:PassRole']);
  });

  it('knows resource types with their ARN templates', () => {
    expect(catalog.resourceType('s3', 'bucket')?.arnTemplate).toBe('arn:${Partition}:s3:::${BucketName}');
    expect(catalog.resourceTypesOf('iam').map((r) => r.key)).toContain('role');
  });

  it('finds global, service and templated condition keys with their types', () => {
    expect(catalog.conditionKey('aws:SourceIp')?.type).toBe('IPAddress');
    expect(catalog.conditionKey('AWS:SOURCEIP')?.global).toBe(true);
    expect(catalog.conditionKey('aws:RequestTag/team')?.type).toBe('String');
    expect(catalog.conditionKey('s3:prefix')?.service).toBe('s3');
    expect(catalog.conditionKey('ec2:ResourceTag/Name')?.global).toBe(false);
    expect(catalog.conditionKey('aws:NoSuchKey')).toBeUndefined();
    expect(catalog.conditionKey('s3:NoSuchKey')).toBeUndefined();
  });

  it('knows which services support RCPs', () => {
    expect(catalog.supportsRcp('s3')).toBe(true);
    expect(catalog.supportsRcp('ec2')).toBe(false);
  });
});
