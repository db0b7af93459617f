import { describe, expect, it } from 'vitest';
import { getCatalog } from '../../catalog/index.ts';
import { understand } from './understand.ts';

const catalog = getCatalog();
const services = (text: string) => [...understand(text, catalog).services.keys()].sort();

describe('understand', () => {
  it('finds services by alias, display name and prefix, in English and Korean', () => {
    expect(services('Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다')).toEqual([
      'transcribe',
      'translate',
    ]);
    expect(services('번역 기능이랑 음성 인식을 써보고 싶어요')).toEqual(['transcribe', 'translate']);
    expect(services('Systems Manager Parameter Store 의 값을 읽어야 합니다')).toEqual(['ssm']);
    expect(services('CloudWatch Logs 로그 그룹을 조회')).toEqual(['logs']);
  });

  it('does not read service names inside resource names or ordinary words', () => {
    expect(services('CloudWatch Logs 로그 그룹 /aws/lambda/payment-api 의 로그')).toEqual(['logs']);
    expect(services('please translate this sentence for me')).toEqual([]);
    expect(services('I need access to the thing we talked about yesterday.')).toEqual([]);
  });

  it('reads kinds of access, with weak words only when nothing else is asked', () => {
    expect([...understand('S3 버킷 목록을 보고 싶습니다', catalog).intents]).toEqual(['list']);
    expect([...understand('I want to see the orders table in DynamoDB', catalog).intents]).toEqual(['read']);
    expect(understand('start and stop EC2 instance i-0abc12345def67890', catalog).intents).toEqual(
      new Set(['start', 'stop']),
    );
    expect(
      understand('DynamoDB orders 테이블의 항목을 조회(GetItem, Query)만 하려고 합니다.', catalog).only,
    ).toBe(true);
  });

  it('reads explicit actions, bare names only for services already named', () => {
    const u = understand('DynamoDB orders 테이블의 항목을 조회(GetItem, Query)만 하려고 합니다.', catalog);
    expect(u.explicitActions).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(understand('Query the weather and Publish the results', catalog).explicitActions).toEqual([]);
    expect(understand('please allow s3:GetObject', catalog).explicitActions).toEqual(['s3:GetObject']);
  });

  it('finds resources by name, ARN, id, URL and path', () => {
    const labels = (text: string) => understand(text, catalog).resources.map((r) => [r.service, r.values]);
    expect(labels('read objects under the 2026/ prefix of bucket analytics-raw')).toEqual([
      ['s3', { BucketName: ['analytics-raw'], ObjectName: ['2026/*'] }],
    ]);
    expect(labels('DynamoDB orders 테이블의 항목')).toEqual([['dynamodb', { TableName: ['orders'] }]]);
    expect(labels('upload to s3://ci-artifacts/builds/')).toEqual([
      ['s3', { BucketName: ['ci-artifacts'], ObjectName: ['builds/*'] }],
    ]);
    expect(labels('reboot i-0123456789abcdef0')).toEqual([['ec2', { InstanceId: ['i-0123456789abcdef0'] }]]);
    expect(labels('Secrets Manager 의 prod/db-password 시크릿 값')).toEqual([
      ['secretsmanager', { SecretId: ['prod/db-password-??????'] }],
    ]);
    expect(labels('tail the logs of my Lambda function image-resizer')).toEqual([
      ['lambda', { FunctionName: ['image-resizer'] }],
      ['logs', { LogGroupName: ['/aws/lambda/image-resizer'] }],
    ]);
    expect(labels('Parameter Store 의 /app/prod/ 경로 아래 파라미터')).toEqual([
      ['ssm', { ParameterNameWithoutLeadingSlash: ['app/prod', 'app/prod/*'] }],
    ]);
    expect(understand('read arn:aws:sqs:us-east-1:111122223333:jobs please', catalog).resources[0]?.arn).toBe(
      'arn:aws:sqs:us-east-1:111122223333:jobs',
    );
  });

  it('does not take a generic noun for a resource of a service nobody named', () => {
    expect(
      understand('I need to debug an ETL job in the bucket analytics-raw', catalog).services.has('glue'),
    ).toBe(false);
  });
});
