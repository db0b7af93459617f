import { describe, expect, it } from 'vitest';
import { getCatalog } from '../../catalog/index.ts';
import { selectGrants } from './select.ts';
import { understand } from './understand.ts';

const catalog = getCatalog();
const scope = { partition: 'aws', region: 'ap-northeast-2', account: '111122223333' };

/** The action names the offline drafter selects for a request's text. */
function selected(text: string): string[] {
  return selectGrants(understand(text, catalog), scope, catalog).grants.map((g) => g.action.key);
}

describe('narrowing a service’s actions to what the request talks of', () => {
  it('keeps the metrics and dashboards actions of "read CloudWatch metrics for dashboards"', () => {
    const actions = selected('Read CloudWatch metrics for our payment service dashboards.');
    expect(actions).toEqual(
      expect.arrayContaining([
        'cloudwatch:GetMetricData',
        'cloudwatch:GetMetricStatistics',
        'cloudwatch:ListMetrics',
        'cloudwatch:ListDashboards',
        'cloudwatch:GetDashboard',
      ]),
    );
    // Read actions about something else, and words too general to be a topic ("service").
    for (const other of [
      'cloudwatch:DescribeAlarms',
      'cloudwatch:GetSpaceCredentials',
      'cloudwatch:ListServices',
    ])
      expect(actions).not.toContain(other);
    expect(actions.length).toBeLessThan(20);
  });

  it('reads a topic named in Korean as the English word of action names', () => {
    const actions = selected('CloudWatch 메트릭을 조회하고 싶어요');
    expect(actions).toContain('cloudwatch:GetMetricData');
    expect(actions).not.toContain('cloudwatch:GetSpaceCredentials');
  });

  it('takes the kind of a named resource as its container, not as the topic', () => {
    const actions = selected('I want to read and write items in the DynamoDB table carts.');
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:BatchWriteItem',
        // Reading the table itself stays.
        'dynamodb:DescribeTable',
      ]),
    );
    for (const change of [
      'dynamodb:UpdateTable',
      'dynamodb:RestoreTableToPointInTime',
      'dynamodb:ImportTable',
    ])
      expect(actions).not.toContain(change);
  });

  it('does not let a topic that the named resource cannot have crowd out reading it', () => {
    // S3 has dashboard actions (Storage Lens), none of which applies to a bucket.
    expect(selected('I need to read the S3 bucket finance-reports for the finance dashboard')).toContain(
      's3:GetObject',
    );
    expect(selected('Read messages from the SQS queue orders for the billing service')).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:GetQueueUrl']),
    );
  });

  it('keeps listing the kind when the topic is inside it (ListBucket to find the objects)', () => {
    const actions = selected('I need to read objects under the logs/ prefix of the S3 bucket analytics-raw');
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:ListBucket']));
    expect(actions).not.toContain('s3:GetBucketPolicy');
  });

  it('narrows nothing when the request names no topic an action is about', () => {
    const actions = selected('I want to read the orders table in DynamoDB');
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query']),
    );
  });

  it('does not take the words of a resource’s name for topics', () => {
    const u = understand('I want to read the DynamoDB table metric-items', catalog);
    expect(u.topics.has('metric')).toBe(false);
    expect(u.topics.has('item')).toBe(false);
    expect(selected('I want to read the DynamoDB table metric-items')).toContain('dynamodb:DescribeTable');
  });

  it('leaves out the qualified variants of an action unless the request names the qualifier', () => {
    const seed = selected(
      'Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다. 권한 요청드립니다.',
    );
    expect(seed).toEqual(
      expect.arrayContaining([
        'transcribe:StartTranscriptionJob',
        'transcribe:StartStreamTranscriptionWebSocket',
        'translate:TranslateText',
      ]),
    );
    for (const variant of [
      'transcribe:StartMedicalTranscriptionJob',
      'transcribe:StartCallAnalyticsStreamTranscription',
    ])
      expect(seed).not.toContain(variant);
    expect(selected('I need to start medical transcription jobs with Amazon Transcribe')).toContain(
      'transcribe:StartMedicalTranscriptionJob',
    );
    // Words added at the end act on a part of the same thing: not a variant.
    expect(selected('I need to read objects under the logs/ prefix of the S3 bucket analytics-raw')).toEqual(
      expect.arrayContaining(['s3:GetObject', 's3:GetObjectVersion']),
    );
  });
});
