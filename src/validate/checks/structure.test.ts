import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../validate.ts';

const codes = (text: string, policyType?: Parameters<typeof validatePolicy>[1]) =>
  validatePolicy(text, policyType).findings.map((f) => f.issueCode);

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
