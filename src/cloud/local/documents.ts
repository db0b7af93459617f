// Policy documents as IAM accepts them: sized in non-whitespace characters against the quota,
// then checked by grantflow's validator, whose ERROR findings are what IAM rejects as malformed.
import { validatePolicy } from '../../validate/index.ts';
import type { PolicyKind } from '../../validate/index.ts';
import { CloudError } from '../errors.ts';

/** IAM counts policy size in characters other than whitespace. */
export function policySize(document: string): number {
  return document.replace(/\s+/g, '').length;
}

/** Throws MalformedPolicyDocument with the first ERROR finding's message. */
export function checkPolicyDocument(
  document: string,
  policyType: 'identity' | 'trust',
  policyKind: PolicyKind = 'managed',
): void {
  const { findings } = validatePolicy(document, { policyType, policyKind });
  const error = findings.find((f) => f.findingType === 'ERROR');
  if (error) throw new CloudError('MalformedPolicyDocument', error.findingDetails);
}
