// IAM's input constraints (IAM API Reference: each parameter's length and pattern), checked the
// way IAM does: every violation of one request is listed in a single ValidationError.
import { CloudError } from '../errors.ts';
import type { Tag } from '../types.ts';

const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\u0021-\u007e]+\/)$/;
const PATH_PREFIX = /^\/[\u0021-\u007f]*$/;
// IAM's patterns allow tab, line feed and carriage return in documents and descriptions.
// eslint-disable-next-line no-control-regex
const DOCUMENT = /^[\u0009\u000a\u000d\u0020-\u00ff]+$/;
// eslint-disable-next-line no-control-regex
const DESCRIPTION = /^[\u0009\u000a\u000d\u0020-\u007e\u00a1-\u00ff]*$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const VERSION_ID = /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/;
const MARKER = /^[\u0020-\u00ff]+$/;

/** Collects constraint violations and throws them as one ValidationError. */
export class Constraints {
  readonly #problems: string[] = [];

  #fail(value: unknown, member: string, constraint: string): void {
    const shown = value === undefined || value === null ? 'null' : `'${String(value)}'`;
    this.#problems.push(`Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`);
  }

  required(value: unknown, member: string): this {
    if (value === undefined || value === null) this.#fail(value, member, 'Member must not be null');
    return this;
  }

  string(
    value: string | undefined,
    member: string,
    rule: { min?: number; max: number; pattern?: RegExp; required?: boolean },
  ): this {
    if (value === undefined || value === null) {
      if (rule.required) this.required(value, member);
      return this;
    }
    if (typeof value !== 'string') {
      this.#fail(value, member, 'Member must be a string');
      return this;
    }
    const min = rule.min ?? 1;
    if (value.length < min || value.length > rule.max) {
      this.#fail(
        value,
        member,
        `Member must have length ${min === 0 ? 'less than or equal to ' + rule.max : `between ${min} and ${rule.max}`}`,
      );
    } else if (rule.pattern && !rule.pattern.test(value)) {
      this.#fail(
        value,
        member,
        `Member must satisfy regular expression pattern: ${patternText(rule.pattern)}`,
      );
    }
    return this;
  }

  name(value: string | undefined, member: string, max: number): this {
    return this.string(value, member, { max, pattern: NAME, required: true });
  }

  path(value: string | undefined, member = 'path'): this {
    return this.string(value, member, { max: 512, pattern: PATH });
  }

  pathPrefix(value: string | undefined, member = 'pathPrefix'): this {
    return this.string(value, member, { max: 512, pattern: PATH_PREFIX });
  }

  document(value: string | undefined, member: string): this {
    return this.string(value, member, { max: 131_072, pattern: DOCUMENT, required: true });
  }

  description(value: string | undefined, member = 'description'): this {
    return this.string(value, member, { min: 0, max: 1000, pattern: DESCRIPTION });
  }

  arn(value: string | undefined, member = 'policyArn'): this {
    return this.string(value, member, { min: 20, max: 2048, required: true });
  }

  versionId(value: string | undefined, member = 'versionId'): this {
    return this.string(value, member, { max: 128, pattern: VERSION_ID, required: true });
  }

  integer(value: number | undefined, member: string, min: number, max: number): this {
    if (value === undefined || value === null) return this;
    if (!Number.isInteger(value)) this.#fail(value, member, 'Member must be an integer');
    else if (value < min) this.#fail(value, member, `Member must have value greater than or equal to ${min}`);
    else if (value > max) this.#fail(value, member, `Member must have value less than or equal to ${max}`);
    return this;
  }

  page(input: { MaxItems?: number; Marker?: string } | undefined): this {
    this.integer(input?.MaxItems, 'maxItems', 1, 1000);
    return this.string(input?.Marker, 'marker', { max: 320, pattern: MARKER });
  }

  tags(tags: readonly Tag[] | undefined, member = 'tags'): this {
    if (tags === undefined) return this;
    if (tags.length > 50)
      this.#fail(`[${tags.length} tags]`, member, 'Member must have length less than or equal to 50');
    tags.forEach((tag, i) => {
      this.string(tag.Key, `${member}.${i + 1}.member.key`, { max: 128, pattern: TAG_KEY, required: true });
      this.string(tag.Value, `${member}.${i + 1}.member.value`, {
        min: 0,
        max: 256,
        pattern: TAG_VALUE,
        required: true,
      });
    });
    return this;
  }

  tagKeys(keys: readonly string[] | undefined, member = 'tagKeys'): this {
    this.required(keys, member);
    keys?.forEach((key, i) =>
      this.string(key, `${member}.${i + 1}.member`, { max: 128, pattern: TAG_KEY, required: true }),
    );
    return this;
  }

  /** Throws the ValidationError when anything failed. */
  check(): void {
    const n = this.#problems.length;
    if (n === 0) return;
    throw new CloudError(
      'ValidationError',
      `${n} validation error${n === 1 ? '' : 's'} detected: ${this.#problems.join('; ')}`,
    );
  }
}

export function constraints(): Constraints {
  return new Constraints();
}

function patternText(pattern: RegExp): string {
  return pattern.source.replace(/^\^/, '').replace(/\$$/, '');
}

/**
 * IAM's semantic rules for tags beyond their syntax: keys are unique without regard to case, and
 * the `aws:` prefix is reserved.
 */
export function checkTagSemantics(tags: readonly Tag[]): void {
  const seen = new Set<string>();
  for (const tag of tags) {
    const key = tag.Key.toLowerCase();
    if (key.startsWith('aws:')) {
      throw new CloudError(
        'InvalidInput',
        `Tag key "${tag.Key}" uses the reserved prefix aws:, which user tags cannot use.`,
      );
    }
    if (seen.has(key)) {
      throw new CloudError(
        'InvalidInput',
        `Duplicate tag key "${tag.Key}": tag keys are compared without regard to case.`,
      );
    }
    seen.add(key);
  }
}
