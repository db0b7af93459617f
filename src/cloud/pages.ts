// Walking IAM's Marker/MaxItems pages, for any backend.
import type { PageInput, PageOutput } from './types.ts';

/** Calls a list operation until IsTruncated is false, yielding each page. */
export async function* paginate<I extends PageInput, O extends PageOutput>(
  call: (input: I) => Promise<O>,
  input: I,
): AsyncGenerator<O> {
  let marker = input.Marker;
  for (;;) {
    const page = await call({ ...input, ...(marker !== undefined ? { Marker: marker } : {}) });
    yield page;
    if (!page.IsTruncated || page.Marker === undefined) return;
    marker = page.Marker;
  }
}

/** Every item of a list operation, across all pages. */
export async function collectPages<I extends PageInput, O extends PageOutput, T>(
  call: (input: I) => Promise<O>,
  input: I,
  items: (page: O) => readonly T[],
): Promise<T[]> {
  const all: T[] = [];
  for await (const page of paginate(call, input)) all.push(...items(page));
  return all;
}
