// The account as the audit sees it: users, groups, roles and managed policies with their policy
// documents parsed once (with spans, so evidence can point at statements), whatever the source.
import { JsonSyntaxError, SourceText, parsePolicy } from '../policy/index.ts';
import type { Policy } from '../policy/index.ts';

/** A policy document as read: its text (what spans refer to) and the parsed model, or why not. */
export interface LoadedDocument {
  readonly text: string;
  /** Undefined when the text is not a policy (the error says why). */
  readonly policy?: Policy;
  readonly error?: string;
}

export interface InlinePolicy {
  readonly name: string;
  readonly document: LoadedDocument;
}

export interface ManagedPolicy {
  readonly arn: string;
  readonly name: string;
  readonly path: string;
  /** AWS managed policies (account `aws` in the ARN) cannot be changed by anyone in the account. */
  readonly awsManaged: boolean;
  /** The default version's document; undefined when the source did not include it. */
  readonly document?: LoadedDocument;
  /** How many versions the policy has (SetDefaultPolicyVersion needs another one to switch to). */
  readonly versionCount: number;
  readonly tags: ReadonlyMap<string, string>;
  readonly updateDate?: Date;
}

interface EntityBase {
  readonly arn: string;
  readonly name: string;
  readonly id: string;
  readonly path: string;
  readonly createDate?: Date;
  readonly inline: readonly InlinePolicy[];
  /** ARNs of the attached managed policies. */
  readonly attached: readonly string[];
}

export interface UserEntity extends EntityBase {
  readonly kind: 'user';
  /** Names of the groups the user is in. */
  readonly groups: readonly string[];
  /** ARN of the permissions boundary policy. */
  readonly boundary?: string;
  readonly tags: ReadonlyMap<string, string>;
}

export interface GroupEntity extends EntityBase {
  readonly kind: 'group';
}

export interface RoleEntity extends EntityBase {
  readonly kind: 'role';
  readonly trust: LoadedDocument;
  readonly boundary?: string;
  readonly tags: ReadonlyMap<string, string>;
  /** Present when the source reports last use; `date` undefined means never used. */
  readonly lastUsed?: { readonly date?: Date; readonly region?: string };
}

export type Entity = UserEntity | GroupEntity | RoleEntity;

/** One row of the IAM credential report: the user and every column as IAM wrote it. */
export interface CredentialReportRow {
  readonly user: string;
  readonly arn: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface CredentialReport {
  readonly rows: readonly CredentialReportRow[];
  readonly generatedAt?: Date;
}

export interface AccountSnapshot {
  readonly accountId: string;
  readonly partition: string;
  readonly users: readonly UserEntity[];
  readonly groups: readonly GroupEntity[];
  readonly roles: readonly RoleEntity[];
  /** Managed policies by ARN. */
  readonly policies: ReadonlyMap<string, ManagedPolicy>;
  readonly credentialReport?: CredentialReport;
  /** Where the snapshot came from: a file name, or the backend. */
  readonly source: string;
}

/**
 * Reads a policy document as IAM and its tools hand it out: JSON text, URL-encoded JSON text (the
 * raw API and `aws iam` output before decoding), or an already-decoded object (the AWS CLI's JSON).
 */
export function loadDocument(raw: unknown): LoadedDocument {
  let text: string;
  if (typeof raw === 'string') {
    text = raw.trimStart().startsWith('{') ? raw : decodeUrl(raw);
  } else if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    text = JSON.stringify(raw, null, 2);
  } else {
    return { text: String(raw), error: 'the policy document is not JSON text or an object' };
  }
  try {
    const policy = parsePolicy(text);
    if (policy.root.type !== 'object') return { text, error: 'the policy document is not a JSON object' };
    return { text, policy };
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    const at = new SourceText(text).position(err.offset);
    return { text, error: `invalid JSON at line ${at.line}, column ${at.column + 1}: ${err.message}` };
  }
}

function decodeUrl(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `arn:aws:iam::123456789012:user/x` → `123456789012`; undefined when the text is not such an ARN. */
export function accountOf(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' ? parts[4] : undefined;
}

export function partitionOf(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' ? parts[1] : undefined;
}
