// Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, and the
// escapes `${*}`, `${?}`, `${$}` for literal characters. Variables need Version 2012-10-17.

export interface PolicyVariable {
  /** Offset of `${` within the string. */
  readonly start: number;
  /** Length of the whole `${...}`. */
  readonly length: number;
  /** The key, e.g. `aws:username`; for escapes, the escaped character. */
  readonly name: string;
  /** The default value after a comma, when written (`${key, 'default'}`). */
  readonly defaultValue?: string;
  /** `${*}`, `${?}` or `${$}`: a literal character, not a key. */
  readonly isEscape: boolean;
}

export interface VariableScan {
  readonly variables: PolicyVariable[];
  /** `${` without a closing `}`: offsets of the opening. */
  readonly unterminated: number[];
}

const ESCAPES = new Set(['*', '?', '$']);

/** Finds every `${...}` in a string. */
export function scanVariables(text: string): VariableScan {
  const variables: PolicyVariable[] = [];
  const unterminated: number[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('${', from);
    if (start < 0) break;
    const close = text.indexOf('}', start + 2);
    if (close < 0) {
      unterminated.push(start);
      break;
    }
    const inner = text.slice(start + 2, close);
    const comma = inner.indexOf(',');
    const name = (comma < 0 ? inner : inner.slice(0, comma)).trim();
    let defaultValue: string | undefined;
    if (comma >= 0) {
      const raw = inner.slice(comma + 1).trim();
      const quoted = /^'(.*)'$/.exec(raw);
      defaultValue = quoted ? quoted[1] : raw;
    }
    variables.push({
      start,
      length: close - start + 1,
      name,
      defaultValue,
      isEscape: ESCAPES.has(name),
    });
    from = close + 1;
  }
  return { variables, unterminated };
}

/**
 * Replaces variables with their values from the request context. A missing key without a
 * default makes the whole string unmatchable (IAM treats the element as not matching), which is
 * signalled by returning undefined.
 */
export function substituteVariables(
  text: string,
  lookup: (key: string) => string | undefined,
): string | undefined {
  if (!text.includes('${')) return text;
  const { variables } = scanVariables(text);
  let out = '';
  let from = 0;
  for (const v of variables) {
    out += text.slice(from, v.start);
    if (v.isEscape) out += v.name;
    else {
      const value = lookup(v.name) ?? v.defaultValue;
      if (value === undefined) return undefined;
      out += value;
    }
    from = v.start + v.length;
  }
  return out + text.slice(from);
}
