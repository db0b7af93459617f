// The request context a granted policy is judged in: the keys AWS sets on every call the
// requester will make, so conditions written with them can be evaluated before anything is attached.
import type { ContextValue, EvaluationRequest } from '../evaluate/index.ts';
import type { AccessRequest } from './request.ts';

export function probeContext(request: AccessRequest, now: Date): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {
    'aws:CurrentTime': now.toISOString(),
    'aws:EpochTime': Math.floor(now.getTime() / 1000),
    'aws:RequestedRegion': request.region,
    'aws:PrincipalArn': request.target_iam_identity_arn,
    'aws:PrincipalAccount': request.account_id,
    'aws:SecureTransport': true,
  };
  if (request.target_iam_identity === 'USER') context['aws:username'] = request.identityName;
  return context;
}

/** A request by the target identity for one action on one resource, with the usual context. */
export function probeRequest(
  request: AccessRequest,
  action: string,
  resource: string,
  now: Date,
): EvaluationRequest {
  return {
    principal: request.target_iam_identity_arn,
    principalKind: request.target_iam_identity === 'USER' ? 'user' : 'role',
    action,
    resource,
    resourceAccount: request.account_id,
    context: probeContext(request, now),
  };
}
