// Errors of the cloud backends, with the codes and HTTP statuses AWS uses, so callers handle the
// local and the AWS backend the same way (e.g. NoSuchEntity on detach means "already done").

export const CLOUD_ERROR_STATUS = {
  // IAM
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  LimitExceeded: 409,
  InvalidInput: 400,
  MalformedPolicyDocument: 400,
  PolicyNotAttachable: 400,
  ReportNotPresent: 410,
  ReportExpired: 410,
  ReportInProgress: 404,
  ServiceFailure: 500,
  // Every AWS query API
  ValidationError: 400,
  AccessDenied: 403,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  InvalidAction: 400,
  // SNS
  InvalidParameter: 400,
  AuthorizationError: 403,
} as const;

export type CloudErrorCode = keyof typeof CLOUD_ERROR_STATUS;

export const CLOUD_ERROR_CODES = Object.keys(CLOUD_ERROR_STATUS) as CloudErrorCode[];

/** An error answered by IAM, STS or SNS (or the local backend acting as them). */
export class CloudError extends Error {
  readonly code: CloudErrorCode;
  readonly httpStatus: number;
  /** 'Sender' for the caller's mistakes, 'Receiver' for the service's. */
  readonly type: 'Sender' | 'Receiver';

  constructor(code: CloudErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CloudError';
    this.code = code;
    this.httpStatus = CLOUD_ERROR_STATUS[code];
    this.type = this.httpStatus >= 500 ? 'Receiver' : 'Sender';
  }
}

export function isCloudError(err: unknown, code?: CloudErrorCode): err is CloudError {
  return err instanceof CloudError && (code === undefined || err.code === code);
}

export function isCloudErrorCode(code: string): code is CloudErrorCode {
  return Object.hasOwn(CLOUD_ERROR_STATUS, code);
}
