// Keeping secrets out of errors and logs. A Slack webhook URL is itself a credential (anyone who
// has it can post), so URLs are shown as their origin only; passwords and HMAC keys are replaced
// wherever they appear, raw or percent-encoded, in messages that come back from libraries.

import { NotifyConfigError } from './errors.ts';

const MASK = '[redacted]';

export type Redact = (text: string) => string;

/** A function that replaces every given secret (and its URL-encoded forms) in a text. */
export function redactor(secrets: readonly (string | undefined)[]): Redact {
  const needles = new Set<string>();
  for (const secret of secrets) {
    // Very short values would mask ordinary words; nothing we treat as a secret is that short.
    if (secret === undefined || secret.length < 4) continue;
    needles.add(secret);
    needles.add(encodeURIComponent(secret));
    needles.add(encodeURI(secret));
    // A URL's path and query are the secret part of a webhook URL.
    const url = parseUrl(secret);
    if (url && url.pathname.length > 1) needles.add(url.pathname + url.search);
    if (url?.password) needles.add(url.password);
  }
  const sorted = [...needles].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const needle of sorted) out = out.split(needle).join(MASK);
    return out;
  };
}

/**
 * Parses a channel's URL, failing with a NotifyConfigError that names the field but not the
 * value (Node's own TypeError carries the whole input, secret path included).
 */
export function channelUrl(value: string, field: string, protocols: readonly string[]): URL {
  const url = parseUrl(typeof value === 'string' ? value : '');
  if (!url) throw new NotifyConfigError([{ field, message: 'is not a valid URL' }]);
  if (!protocols.includes(url.protocol)) {
    throw new NotifyConfigError([
      { field, message: `must be a ${protocols.map((p) => p.replace(/:$/, '')).join(' or ')} URL` },
    ]);
  }
  return url;
}

/** `https://hooks.slack.com/…`: enough to tell which receiver, nothing that grants access. */
export function describeUrl(url: string | URL): string {
  const parsed = typeof url === 'string' ? parseUrl(url) : url;
  if (!parsed) return 'an unparsable URL';
  const hasMore = parsed.pathname.length > 1 || parsed.search !== '';
  return `${parsed.protocol}//${parsed.host}${hasMore ? '/…' : ''}`;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** A copy of an error with only its redacted message and code, safe to attach as a cause. */
export function sanitizedCause(err: unknown, redact: Redact): Error {
  const message = err instanceof Error ? err.message : String(err);
  const copy = new Error(redact(message));
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') Object.assign(copy, { code });
  if (err instanceof Error) copy.name = err.name;
  return copy;
}
