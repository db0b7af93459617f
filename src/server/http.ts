// The HTTP plumbing the API needs and nothing more: JSON bodies with a size cap and a media-type
// check, JSON responses, and errors as {error: {code, message, field?}}.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 64 * 1024;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    status: number,
    code: string,
    message: string,
    options: { field?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = options.field;
    this.headers = options.headers ?? {};
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(
    res,
    error.status,
    { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } },
    error.headers,
  );
}

/**
 * Reads a JSON body. An empty body is `undefined` (the operations whose body is optional accept
 * that); a non-empty one must be application/json and at most MAX_BODY_BYTES.
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) throw tooLarge();
  // Events rather than async iteration: leaving an iterator early destroys the socket, and the
  // 413 must still reach the client (Node discards the rest of the body once the response ends).
  const { chunks, size } = await new Promise<{ chunks: Buffer[]; size: number }>((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      fail(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => done({ chunks, size }));
    req.once('error', fail);
  });
  if (size === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new ApiError(
      415,
      'unsupported_media_type',
      `the body must be application/json (got ${type === '' ? 'no Content-Type' : JSON.stringify(type)})`,
    );
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

function tooLarge(): ApiError {
  return new ApiError(413, 'payload_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`, {
    headers: { connection: 'close' },
  });
}

/** An object body with only the given optional string fields (for approve, deny, revoke). */
export function optionalFields<K extends string>(
  body: unknown,
  fields: Readonly<Record<K, number>>,
): Partial<Record<K, string>> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'invalid_input', 'the body must be a JSON object', { field: '(body)' });
  const out: Partial<Record<K, string>> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!Object.hasOwn(fields, key))
      throw new ApiError(
        400,
        'invalid_input',
        `unknown field; this operation takes ${Object.keys(fields).join(', ') || 'no fields'}`,
        { field: key },
      );
    const max = fields[key as K];
    if (typeof value !== 'string' || value.length > max)
      throw new ApiError(400, 'invalid_input', `must be a string of at most ${max} characters`, {
        field: key,
      });
    out[key as K] = value;
  }
  return out;
}
