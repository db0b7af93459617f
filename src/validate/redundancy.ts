// Which entries of an Action or Resource list another entry already covers. Only wildcard entries
// can cover a different entry, so each entry is compared with those, not with every other one.

/**
 * For each entry, the index of the entry that makes it redundant, or -1. Of two equal entries
 * the later one is redundant; of two that cover each other without being equal, neither is.
 */
export function redundantEntries(
  values: readonly string[],
  covers: (outer: string, inner: string) => boolean,
  key: (value: string) => string = (v) => v,
): number[] {
  const keys = values.map(key);
  const wildcards = values.flatMap((v, i) => (v.includes('*') || v.includes('?') ? [i] : []));
  const firstSeen = new Map<string, number>();
  return values.map((value, i) => {
    const seen = firstSeen.get(keys[i]!);
    if (seen !== undefined) return seen;
    firstSeen.set(keys[i]!, i);
    for (const j of wildcards) {
      if (j === i || keys[j] === keys[i]) continue;
      if (covers(values[j]!, value) && (j < i || !covers(value, values[j]!))) return j;
    }
    return -1;
  });
}
