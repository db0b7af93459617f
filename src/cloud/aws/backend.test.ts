import { describe, expect, it } from 'vitest';
import { CloudError } from '../errors.ts';
import { toCloudError } from './backend.ts';

const sdkError = (name: string, status: number, extra: object = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });

describe('toCloudError', () => {
  it('maps modelled SDK exceptions to IAM’s error codes', () => {
    const err = toCloudError(sdkError('NoSuchEntityException', 404)) as CloudError;
    expect(err).toBeInstanceOf(CloudError);
    expect(err.code).toBe('NoSuchEntity');
    expect(err.httpStatus).toBe(404);
    expect((toCloudError(sdkError('CredentialReportNotPresentException', 410)) as CloudError).code).toBe(
      'ReportNotPresent',
    );
    expect((toCloudError(sdkError('InvalidParameterException', 400)) as CloudError).code).toBe(
      'InvalidParameter',
    );
  });

  it('keeps unmodelled query error codes such as AccessDenied and SignatureDoesNotMatch', () => {
    expect((toCloudError(sdkError('AccessDenied', 403)) as CloudError).code).toBe('AccessDenied');
    expect(
      (toCloudError(sdkError('Whatever', 403, { Code: 'SignatureDoesNotMatch' })) as CloudError).code,
    ).toBe('SignatureDoesNotMatch');
  });

  it('reports unknown service errors as ServiceFailure and leaves network failures alone', () => {
    const unknown = toCloudError(sdkError('Throttling', 400)) as CloudError;
    expect(unknown.code).toBe('ServiceFailure');
    expect(unknown.message).toContain('Throttling');
    const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toCloudError(network)).toBe(network);
  });
});
