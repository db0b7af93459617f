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

describe('leaving out what the request does not ask for', () => {
  it('drops the actions about kinds of resource it does not mention, once it names some', () => {
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
    // Alarms and spaces are CloudWatch resource types the request does not name.
    for (const other of [
      'cloudwatch:DescribeAlarms',
      'cloudwatch:GetSpaceCredentials',
      'cloudwatch:ListSpaces',
    ])
      expect(actions).not.toContain(other);
  });

  it('reads the kinds named in Korean as their English words', () => {
    const actions = selected('CloudWatch 알람과 대시보드를 보고 싶어요');
    expect(actions).toEqual(
      expect.arrayContaining([
        'cloudwatch:DescribeAlarms',
        'cloudwatch:GetDashboard',
        'cloudwatch:GetMetricData',
      ]),
    );
    expect(actions).not.toContain('cloudwatch:GetSpaceCredentials');
  });

  it('keeps what lives inside a resource it names, and actions about no kind of resource', () => {
    // A bucket's objects; a table's streams, read through GetShardIterator and GetRecords.
    expect(selected('I want to query Athena and read the results in S3 bucket athena-results')).toContain(
      's3:GetObject',
    );
    expect(selected('I need to read DynamoDB streams of the table orders')).toEqual(
      expect.arrayContaining(['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords']),
    );
    expect(selected('Give me access to read Kinesis stream clickstream records')).toEqual(
      expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards']),
    );
  });

  it('names kinds by words run together, and leaves the others of the service out', () => {
    const actions = selected('I want to see ECS services and tasks in cluster web-prod');
    expect(actions).toEqual(
      expect.arrayContaining([
        'ecs:DescribeServices',
        'ecs:DescribeTasks',
        'ecs:ListTasks',
        'ecs:DescribeClusters',
      ]),
    );
    for (const other of ['ecs:DescribeCapacityProviders', 'ecs:ListContainerInstances', 'ecs:ListDaemons'])
      expect(actions).not.toContain(other);
  });

  it('asks for the service as such when the request names none of its kinds of resource', () => {
    const seed = selected(
      'Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다. 권한 요청드립니다.',
    );
    expect(seed).toEqual(
      expect.arrayContaining([
        'transcribe:StartTranscriptionJob',
        'transcribe:StartStreamTranscriptionWebSocket',
        'translate:TranslateText',
        'translate:ListTerminologies',
      ]),
    );
  });

  it('leaves out the qualified variants of an action unless the request names the qualifier', () => {
    const seed = selected(
      'Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다. 권한 요청드립니다.',
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
      expect.arrayContaining(['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket']),
    );
  });

  it('does not take the words of a resource’s name for what it asks', () => {
    const u = understand('I want to read the DynamoDB table metric-items', catalog);
    expect(u.topics.has('metric')).toBe(false);
    expect(u.topics.has('item')).toBe(false);
    expect(selected('I want to read the orders table in DynamoDB')).toEqual(
      expect.arrayContaining(['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query']),
    );
  });
});
