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
  groupOf: (value: string) => string = () => '',
): number[] {
  const keys = values.map(key);
  // Entries of different groups (services) cannot cover each other, but for the group '*'.
  const groups = values.map(groupOf);
  const wildcards = values.flatMap((v, i) => (v.includes('*') || v.includes('?') ? [i] : []));
  const firstSeen = new Map<string, number>();
  return values.map((value, i) => {
    const seen = firstSeen.get(keys[i]!);
    if (seen !== undefined) return seen;
    firstSeen.set(keys[i]!, i);
    for (const j of wildcards) {
      if (j === i || keys[j] === keys[i]) continue;
      if (groups[j] !== groups[i] && groups[j] !== '*' && groups[i] !== '*') continue;
      if (covers(values[j]!, value) && (j < i || !covers(value, values[j]!))) return j;
    }
    return -1;
  });
}

/** The service of an Action entry (`s3` of `s3:Get*`), or '*' when a wildcard reaches into it. */
export function actionGroup(value: string): string {
  const colon = value.indexOf(':');
  const service = colon < 0 ? value : value.slice(0, colon);
  return colon < 0 || service.includes('*') || service.includes('?') ? '*' : service.toLowerCase();
}

/** The service field of an ARN pattern, or '*' when it is not a plain ARN service. */
export function resourceGroup(value: string): string {
  const parts = value.split(':', 4);
  const service = parts[2];
  return parts.length < 4 || parts[0] !== 'arn' || !service || /[*?$]/.test(service) ? '*' : service;
}
