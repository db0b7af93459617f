// Typed errors for bad input, each naming the field at fault.

/** A policy of the set cannot be evaluated: not JSON, or not a JSON object. */
export class PolicyInputError extends Error {
  readonly code = 'INVALID_POLICY';
  /** The field, e.g. `identityPolicies[1]` or `serviceControlPolicies[0][2]`. */
  readonly field: string;
  /** The message without the field. */
  readonly detail: string;
  constructor(field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.field = field;
    this.detail = detail;
  }
}

/** The request is malformed: a missing or mistyped field, an unrecognizable principal. */
export class RequestError extends Error {
  readonly code = 'INVALID_REQUEST';
  /** The field, e.g. `action` or `context.aws:SourceIp`. */
  readonly field: string;
  /** The message without the field. */
  readonly detail: string;
  constructor(field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.field = field;
    this.detail = detail;
  }
}
