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
  if (a === b) return true;
  const first = firstWildcard(a);
  if (first < 0) return false; // a literal covers only itself
  // Fast rejections: outer's literal head and tail must stand literally in inner (most pairs end here).
  for (let i = 0; i < first; i++) if (a[i] !== b[i]) return false;
  const tail = a.length - 1 - lastWildcard(a);
  if (tail > b.length - first) return false;
  for (let i = 1; i <= tail; i++) if (a[a.length - i] !== b[b.length - i]) return false;
  // Every literal run of outer must stand, in order, in inner's own text: inner matches strings in
  // which its wildcards hold characters outer's runs do not, so the runs can only come from there.
  let from = first;
  for (const run of a.slice(first).split(/[*?]/)) {
    if (run === '') continue;
    const found = b.indexOf(run, from);
    if (found < 0) return false;
    from = found + run.length;
  }
  return coversByAutomaton(a, b);
}

function coversByAutomaton(a: string, b: string): boolean {
  // covers(i, j): pattern a[i..] matches every string that pattern b[j..] matches.
  const width = b.length + 1;
  const memo = new Int8Array((a.length + 1) * width); // 0 unknown, 1 yes, 2 no
  const covers = (i: number, j: number): boolean => {
    const k = i * width + j;
    if (memo[k] !== 0) return memo[k] === 1;
    let r: boolean;
    if (i === a.length) r = j === b.length;
    else if (a[i] === '*') r = covers(i + 1, j) || (j < b.length && covers(i, j + 1));
    else if (j === b.length) r = false;
    else if (b[j] === '*') r = false;
    else if (a[i] === '?') r = covers(i + 1, j + 1);
    else r = b[j] !== '?' && a[i] === b[j] && covers(i + 1, j + 1);
    memo[k] = r ? 1 : 2;
    return r;
  };
  return covers(0, 0);
}

/** Whether some string matches both wildcard patterns (`*` any run, `?` one character). */
export function wildcardsIntersect(x: string, y: string, caseInsensitive = false): boolean {
  const a = caseInsensitive ? x.toLowerCase() : x;
  const b = caseInsensitive ? y.toLowerCase() : y;
  if (a === b || a === '*' || b === '*') return true;
  // Literal heads must agree up to the first wildcard of either (most pairs end here).
  const head = Math.min(prefixLength(a), prefixLength(b));
  for (let i = 0; i < head; i++) if (a[i] !== b[i]) return false;
  const width = b.length + 1;
  const memo = new Int8Array((a.length + 1) * width);
  const go = (i: number, j: number): boolean => {
    const k = i * width + j;
    if (memo[k] !== 0) return memo[k] === 1;
    let r: boolean;
    if (i === a.length && j === b.length) r = true;
    else if (i < a.length && a[i] === '*') r = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === '*') r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i === a.length || j === b.length) r = false;
    else r = (a[i] === '?' || b[j] === '?' || a[i] === b[j]) && go(i + 1, j + 1);
    memo[k] = r ? 1 : 2;
    return r;
  };
  return go(0, 0);
}

function firstWildcard(text: string): number {
  const star = text.indexOf('*');
  const q = text.indexOf('?');
  return star < 0 ? q : q < 0 ? star : Math.min(star, q);
}

function lastWildcard(text: string): number {
  return Math.max(text.lastIndexOf('*'), text.lastIndexOf('?'));
}

/** Characters before the first `*` (a `?` still matches only one character, so it ends no prefix here). */
function prefixLength(text: string): number {
  const star = text.indexOf('*');
  const q = text.indexOf('?');
  const stop = star < 0 ? q : q < 0 ? star : Math.min(star, q);
  return stop < 0 ? text.length : stop;
}
