// Wildcard patterns compiled once for many tests. IAM's rules (src/policy/wildcard.ts): `*` matches
// any run of characters, `?` exactly one. A pattern that is a six-part ARN matches its first five
// parts one by one, so there a wildcard does not run across a colon (src/policy/arn.ts arnMatches);
// that is folded into one RegExp with `[^:]` in those parts. Most patterns need no RegExp at all: a
// literal compares as a string, `*` matches everything, and a single trailing `*` is a prefix test.

const ANY = 0;
const EXACT = 1;
const PREFIX = 2;
const REGEX = 3;

export class Glob {
  readonly pattern: string;
  private readonly kind: number;
  private readonly text: string;
  private readonly re: RegExp | undefined;

  constructor(pattern: string, kind: number, text: string, re: RegExp | undefined) {
    this.pattern = pattern;
    this.kind = kind;
    this.text = text;
    this.re = re;
  }

  test(value: string): boolean {
    switch (this.kind) {
      case ANY:
        return true;
      case EXACT:
        return value === this.text;
      case PREFIX:
        return value.startsWith(this.text);
      default:
        return this.re!.test(value);
    }
  }
}

/** A piece of a pattern: pattern text (wildcards active) or literal text (a substituted variable). */
export interface GlobPart {
  readonly text: string;
  readonly literal: boolean;
}

const SPECIAL = /[.+^${}()|[\]\\*?]/g;

function isArnPattern(parts: readonly GlobPart[]): boolean {
  // Six parts means `arn:` and at least four more colons written in the pattern itself.
  const first = parts[0];
  if (!first || first.literal || !first.text.startsWith('arn:')) return false;
  let colons = 0;
  for (const p of parts) if (!p.literal) for (const ch of p.text) if (ch === ':') colons++;
  return colons >= 5;
}

/**
 * Compiles a pattern. `arn` asks for ARN segment rules when the pattern is a six-part ARN (Resource
 * elements, Arn condition operators); otherwise wildcards may match anything.
 */
export function compileGlob(parts: readonly GlobPart[], arn: boolean): Glob {
  const whole = parts.map((p) => p.text).join('');
  const segmented = arn && isArnPattern(parts);
  let wildcards = 0;
  let onlyTrailingStar = true;
  let colons = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.literal) continue;
    for (let j = 0; j < p.text.length; j++) {
      const ch = p.text[j];
      if (ch === ':') colons++;
      if (ch !== '*' && ch !== '?') continue;
      wildcards++;
      const last = i === parts.length - 1 && j === p.text.length - 1;
      // A trailing `*` inside one of the first five ARN parts must not cross a colon: not a prefix.
      if (ch === '?' || !last || (segmented && colons < 5)) onlyTrailingStar = false;
    }
  }
  if (wildcards === 0) return new Glob(whole, EXACT, whole, undefined);
  if (wildcards === 1 && onlyTrailingStar) {
    return whole === '*'
      ? new Glob(whole, ANY, '', undefined)
      : new Glob(whole, PREFIX, whole.slice(0, -1), undefined);
  }
  let source = '';
  colons = 0;
  for (const p of parts) {
    if (p.literal) {
      source += p.text.replace(SPECIAL, '\\$&');
      continue;
    }
    for (const ch of p.text) {
      const inSegment = segmented && colons < 5;
      if (ch === '*') source += inSegment ? '[^:]*' : '.*';
      else if (ch === '?') source += inSegment ? '[^:]' : '.';
      else {
        if (ch === ':') colons++;
        source += ch.replace(SPECIAL, '\\$&');
      }
    }
  }
  return new Glob(whole, REGEX, '', new RegExp(`^${source}$`, 's'));
}

/** A pattern written as one string, without variables. */
export function glob(pattern: string, arn: boolean): Glob {
  return compileGlob([{ text: pattern, literal: false }], arn);
}
