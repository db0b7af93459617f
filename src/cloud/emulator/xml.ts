// The AWS Query protocol's response side: results and errors as XML, the way IAM, STS and SNS
// write them (lists as <member> elements, ISO 8601 times, policy documents URL-encoded,
// binary content base64-encoded).

export const NAMESPACES = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  sns: 'http://sns.amazonaws.com/doc/2010-03-31/',
} as const;

export type QueryService = keyof typeof NAMESPACES;

/** Members IAM returns URL-encoded (RFC 3986). */
const URL_ENCODED = new Set(['PolicyDocument', 'AssumeRolePolicyDocument', 'Document']);

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/** IAM writes times to the second, in UTC. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3986 percent-encoding: everything but unreserved characters. */
export function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function value(name: string, v: unknown): string {
  if (v instanceof Date) return isoSeconds(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map((item) => `<member>${value('', item)}</member>`).join('');
  if (typeof v === 'object' && v !== null) return members(v as Record<string, unknown>);
  if (typeof v === 'string') return escapeXml(URL_ENCODED.has(name) ? rfc3986(v) : v);
  return escapeXml(String(v));
}

function members(obj: Record<string, unknown>): string {
  let out = '';
  for (const [name, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    out += `<${name}>${value(name, v)}</${name}>`;
  }
  return out;
}

export function resultXml(
  service: QueryService,
  action: string,
  result: object | undefined,
  requestId: string,
): string {
  const body =
    result === undefined
      ? ''
      : `<${action}Result>${members(result as Record<string, unknown>)}</${action}Result>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${action}Response xmlns="${NAMESPACES[service]}">${body}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`
  );
}

export function errorXml(
  service: QueryService,
  error: { type: 'Sender' | 'Receiver'; code: string; message: string },
  requestId: string,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<ErrorResponse xmlns="${NAMESPACES[service]}"><Error><Type>${error.type}</Type>` +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>\n`
  );
}
