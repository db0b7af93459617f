// Marker/MaxItems pagination over a sorted list. The marker names the last key returned, so a
// page boundary stays put when entries before it are added or removed between calls.
import { CloudError } from '../errors.ts';
import type { PageInput } from '../types.ts';

export const DEFAULT_MAX_ITEMS = 100;

export function encodeMarker(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeMarker(marker: string): string {
  const key = Buffer.from(marker, 'base64url').toString('utf8');
  if (marker.length === 0 || encodeMarker(key) !== marker) {
    throw new CloudError(
      'InvalidInput',
      'The Marker is not one this service returned; start again without it.',
    );
  }
  return key;
}

/** One page of `items`, which must be sorted by `keyOf` (unique keys). */
export function pageOf<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  input: PageInput | undefined,
): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const max = input?.MaxItems ?? DEFAULT_MAX_ITEMS;
  let start = 0;
  if (input?.Marker !== undefined) {
    const after = decodeMarker(input.Marker);
    start = items.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + max);
  const truncated = start + max < items.length;
  return truncated
    ? { items: page, IsTruncated: true, Marker: encodeMarker(keyOf(page[page.length - 1]!)) }
    : { items: page, IsTruncated: false };
}

/** Sorts by a string key with plain code-unit order, the order pageOf expects. */
export function sortByKey<T>(items: T[], keyOf: (item: T) => string): T[] {
  return items.sort((a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** One page of rows listed by name (IAM lists identities and inline policies by name, in any case). */
export function pageByName<T extends { name_key: string }>(rows: T[], input: PageInput | undefined) {
  return pageOf(
    sortByKey(rows, (r) => r.name_key),
    (r) => r.name_key,
    input,
  );
}

/** The members every list output ends with: IsTruncated, and the Marker when there is more. */
export function pageFields(page: { IsTruncated: boolean; Marker?: string }): {
  IsTruncated: boolean;
  Marker?: string;
} {
  return { IsTruncated: page.IsTruncated, ...(page.Marker ? { Marker: page.Marker } : {}) };
}
