import { describe, expect, it } from 'vitest';
import { detectLanguage, parseAccessRequest, RequestValidationError } from './request.ts';

const valid = {
  requested_task: 'Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다.',
  target_iam_identity: 'USER',
  target_iam_identity_arn: 'arn:aws:iam::111122223333:user/dev-kim',
  required_attach_time: 3600,
  account_id: '111122223333',
  region: 'ap-northeast-2',
};

const problems = (input: unknown) => {
  try {
    parseAccessRequest(input);
  } catch (err) {
    if (err instanceof RequestValidationError) return err.problems;
    throw err;
  }
  return [];
};

describe('parseAccessRequest', () => {
  it('accepts the seed shape and derives the name, partition and language', () => {
    const r = parseAccessRequest(valid);
    expect(r.identityName).toBe('dev-kim');
    expect(r.partition).toBe('aws');
    expect(r.lang).toBe('ko');
    expect(parseAccessRequest({ ...valid, requested_task: 'read S3' }).lang).toBe('en');
  });

  it('accepts a role with a path', () => {
    const r = parseAccessRequest({
      ...valid,
      target_iam_identity: 'ROLE',
      target_iam_identity_arn: 'arn:aws:iam::111122223333:role/service/ci-runner',
    });
    expect(r.identityName).toBe('ci-runner');
  });

  it.each([
    [
      { ...valid, target_iam_identity_arn: 'arn:aws:iam::111122223333:policy/x' },
      'target_iam_identity_arn',
      'IAM user or role ARN',
    ],
    [{ ...valid, target_iam_identity_arn: 'not-an-arn' }, 'target_iam_identity_arn', 'IAM user or role ARN'],
    [
      { ...valid, target_iam_identity: 'ROLE' },
      'target_iam_identity_arn',
      'is a user ARN but target_iam_identity is ROLE',
    ],
    [
      { ...valid, account_id: '999999999999' },
      'target_iam_identity_arn',
      'is in account 111122223333 but account_id is 999999999999',
    ],
    [{ ...valid, account_id: '1234' }, 'account_id', '12-digit'],
    [{ ...valid, target_iam_identity: 'GROUP' }, 'target_iam_identity', 'must be "USER" or "ROLE"'],
    [{ ...valid, required_attach_time: 0 }, 'required_attach_time', 'must be positive'],
    [{ ...valid, required_attach_time: -5 }, 'required_attach_time', 'must be positive'],
    [{ ...valid, required_attach_time: 1.5 }, 'required_attach_time', 'whole number'],
    [{ ...valid, required_attach_time: '3600' }, 'required_attach_time', 'whole number'],
    [
      { ...valid, required_attach_time: 10 ** 9 },
      'required_attach_time',
      'the longest grant allowed is 43200 s',
    ],
    [{ ...valid, region: 'Seoul' }, 'region', 'AWS region code'],
    [{ ...valid, requested_task: '   ' }, 'requested_task', 'non-empty'],
    [{ ...valid, requested_task: 'x'.repeat(5000) }, 'requested_task', 'the limit is 4000'],
    [{ ...valid, extra: 1 }, 'extra', 'unknown field'],
  ])('rejects %j naming the field', (input, field, message) => {
    const found = problems(input);
    expect(found.map((p) => p.field)).toContain(field);
    expect(found.find((p) => p.field === field)!.message).toContain(message);
  });

  it('lists every missing field', () => {
    expect(problems({}).map((p) => p.field)).toEqual([
      'requested_task',
      'target_iam_identity',
      'target_iam_identity_arn',
      'required_attach_time',
      'account_id',
      'region',
    ]);
    expect(problems([])[0]!.message).toContain('JSON object');
  });
});

describe('detectLanguage', () => {
  it('answers Korean requests in Korean', () => {
    expect(detectLanguage('S3 버킷 목록')).toBe('ko');
    expect(detectLanguage('list my buckets')).toBe('en');
  });
});
