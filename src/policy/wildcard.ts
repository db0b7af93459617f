// IAM's wildcard rules: `*` matches any run of characters (including none), `?` exactly one.
// Actions compare case-insensitively, resources and most condition values case-sensitively.

const cache = new Map<string, RegExp>();

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}

/** A RegExp that matches exactly the strings an IAM wildcard pattern matches. */
export function wildcardToRegExp(pattern: string, caseInsensitive = false): RegExp {
  const cacheKey = (caseInsensitive ? 'i' : 's') + pattern;
  let re = cache.get(cacheKey);
  if (!re) {
    let source = '';
    for (const ch of pattern) source += ch === '*' ? '.*' : ch === '?' ? '.' : escapeRegExp(ch);
    re = new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
    if (cache.size > 10_000) cache.clear();
    cache.set(cacheKey, re);
  }
  return re;
}

export function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

/** Whether `value` matches the IAM wildcard `pattern`. */
export function matchesWildcard(pattern: string, value: string, caseInsensitive = false): boolean {
  if (pattern === '*') return true;
  if (!hasWildcard(pattern)) {
    return caseInsensitive ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  }
  return wildcardToRegExp(pattern, caseInsensitive).test(value);
}

/** Whether an Action element value (`s3:Get*`, `*`) matches an action name (`s3:GetObject`). */
export function actionMatches(pattern: string, action: string): boolean {
  return matchesWildcard(pattern, action, true);
}

/**
 * Whether every string `inner` matches is also matched by `outer` (pattern containment), used to
 * find redundant actions and resources. Exact for patterns made of literals and `*`; a `?` in
 * `inner` is treated as one unknown character.
 */
export function wildcardCovers(outer: string, inner: string, caseInsensitive = false): boolean {
  if (outer === '*') return true;
  const a = caseInsensitive ? outer.toLowerCase() : outer;
  const b = caseInsensitive ? inner.toLowerCase() : inner;
  const memo = new Map<number, boolean>();
  // covers(i, j): pattern a[i..] matches every string that pattern b[j..] matches.
  const covers = (i: number, j: number): boolean => {
    const k = i * (b.length + 1) + j;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === a.length) r = j === b.length;
    else if (a[i] === '*') r = covers(i + 1, j) || (j < b.length && covers(i, j + 1));
    else if (j === b.length) r = false;
    else if (b[j] === '*') r = false;
    else if (a[i] === '?') r = covers(i + 1, j + 1);
    else r = b[j] !== '?' && a[i] === b[j] && covers(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return covers(0, 0);
}
