// The access request, in the seed's input shape, checked field by field before anything acts on it.
import { parseArn } from '../policy/index.ts';

export type IdentityType = 'USER' | 'ROLE';

/** The seed workflow's input (seeds/000_*). */
export interface AccessRequestInput {
  readonly requested_task: string;
  readonly target_iam_identity: IdentityType;
  readonly target_iam_identity_arn: string;
  readonly required_attach_time: number;
  readonly account_id: string;
  readonly region: string;
}

/** A request that passed validation, with the parts later steps need already derived. */
export interface AccessRequest extends AccessRequestInput {
  readonly partition: string;
  /** The user or role name (last path segment of the ARN). */
  readonly identityName: string;
  /** `en` or `ko`: the language to answer the requester in. */
  readonly lang: 'en' | 'ko';
}

export interface RequestLimits {
  /** Longest grant, in seconds. Default 12 hours. */
  readonly maxAttachSeconds: number;
  /** Longest task description, in characters. */
  readonly maxTaskLength: number;
}

export const DEFAULT_LIMITS: RequestLimits = { maxAttachSeconds: 12 * 3600, maxTaskLength: 4000 };

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export class RequestValidationError extends Error {
  readonly code = 'INVALID_REQUEST';
  readonly problems: readonly FieldProblem[];
  constructor(problems: readonly FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.problems = problems;
  }
}

const FIELDS = [
  'requested_task',
  'target_iam_identity',
  'target_iam_identity_arn',
  'required_attach_time',
  'account_id',
  'region',
] as const;

const REGION_SHAPE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const IAM_NAME = /^[\w+=,.@-]{1,128}$/;

/** Hangul in the task means the requester writes Korean; answer in kind. */
export function detectLanguage(text: string): 'en' | 'ko' {
  return /[\u3131-\u318e\uac00-\ud7a3]/.test(text) ? 'ko' : 'en';
}

/**
 * Checks a request object and returns it typed, or throws RequestValidationError listing every
 * problem with the field it concerns.
 */
export function parseAccessRequest(input: unknown, limits: RequestLimits = DEFAULT_LIMITS): AccessRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RequestValidationError([{ field: '(request)', message: 'must be a JSON object' }]);
  }
  const raw = input as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });

  for (const key of Object.keys(raw)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      problem(key, `unknown field; the request takes ${FIELDS.join(', ')}`);
    }
  }
  for (const key of FIELDS) if (!(key in raw)) problem(key, 'is required');

  const task = raw.requested_task;
  if ('requested_task' in raw) {
    if (typeof task !== 'string' || task.trim() === '')
      problem('requested_task', 'must be a non-empty string');
    else if (task.length > limits.maxTaskLength)
      problem('requested_task', `is ${task.length} characters; the limit is ${limits.maxTaskLength}`);
  }

  const identity = raw.target_iam_identity;
  if ('target_iam_identity' in raw && identity !== 'USER' && identity !== 'ROLE') {
    problem('target_iam_identity', `must be "USER" or "ROLE" (got ${JSON.stringify(identity)})`);
  }

  const account = raw.account_id;
  if ('account_id' in raw && (typeof account !== 'string' || !/^\d{12}$/.test(account))) {
    problem('account_id', `must be a 12-digit AWS account id as a string (got ${JSON.stringify(account)})`);
  }

  const region = raw.region;
  if ('region' in raw && (typeof region !== 'string' || !REGION_SHAPE.test(region))) {
    problem('region', `must be an AWS region code such as ap-northeast-2 (got ${JSON.stringify(region)})`);
  }

  const seconds = raw.required_attach_time;
  if ('required_attach_time' in raw) {
    if (typeof seconds !== 'number' || !Number.isInteger(seconds)) {
      problem('required_attach_time', `must be a whole number of seconds (got ${JSON.stringify(seconds)})`);
    } else if (seconds <= 0) {
      problem('required_attach_time', `must be positive (got ${seconds})`);
    } else if (seconds > limits.maxAttachSeconds) {
      problem(
        'required_attach_time',
        `is ${seconds} s; the longest grant allowed is ${limits.maxAttachSeconds} s`,
      );
    }
  }

  let partition = 'aws';
  let identityName = '';
  const arnText = raw.target_iam_identity_arn;
  if ('target_iam_identity_arn' in raw) {
    const arn = typeof arnText === 'string' ? parseArn(arnText) : undefined;
    const match =
      arn && arn.service === 'iam' ? /^(user|role)\/(?:[\x21-\x7e]*\/)?([^/]+)$/.exec(arn.resource) : null;
    if (!arn || !match || arn.region !== '') {
      problem(
        'target_iam_identity_arn',
        `must be an IAM user or role ARN such as arn:aws:iam::111122223333:user/name (got ${JSON.stringify(arnText)})`,
      );
    } else {
      partition = arn.partition;
      identityName = match[2]!;
      const kind = match[1] === 'user' ? 'USER' : 'ROLE';
      if (!IAM_NAME.test(identityName))
        problem('target_iam_identity_arn', `"${identityName}" is not a valid IAM name`);
      if ((identity === 'USER' || identity === 'ROLE') && kind !== identity) {
        problem(
          'target_iam_identity_arn',
          `is a ${kind.toLowerCase()} ARN but target_iam_identity is ${identity}`,
        );
      }
      if (typeof account === 'string' && /^\d{12}$/.test(account) && arn.account !== account) {
        problem('target_iam_identity_arn', `is in account ${arn.account} but account_id is ${account}`);
      }
    }
  }

  if (problems.length > 0) throw new RequestValidationError(problems);
  const request = raw as unknown as AccessRequestInput;
  return { ...pick(request), partition, identityName, lang: detectLanguage(request.requested_task) };
}

function pick(r: AccessRequestInput): AccessRequestInput {
  return {
    requested_task: r.requested_task,
    target_iam_identity: r.target_iam_identity,
    target_iam_identity_arn: r.target_iam_identity_arn,
    required_attach_time: r.required_attach_time,
    account_id: r.account_id,
    region: r.region,
  };
}
