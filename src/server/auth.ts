// Bearer-token authentication: the configuration maps the SHA-256 of each token to an identity and
// its roles, so the tokens themselves are never stored. A presented token is hashed and compared
// with every configured hash in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

export const ROLES = ['requester', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** The IAM identity ARN (or other id) the token stands for. */
  readonly identity: string;
  readonly roles: readonly Role[];
}

export interface TokenTable {
  readonly size: number;
  /** The principal whose token this is, or undefined. */
  lookup(token: string): Principal | undefined;
}

export class TokenConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenConfigError';
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Parses `{"<sha256 hex of token>": {"identity": "...", "roles": ["requester"]}}`. */
export function parseTokenTable(text: string, source: string): TokenTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new TokenConfigError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new TokenConfigError(`${source} must be a JSON object keyed by the SHA-256 (hex) of each token`);
  const entries: { hash: Buffer; principal: Principal }[] = [];
  for (const [key, value] of Object.entries(raw)) {
    // Only a hash prefix goes into messages: the key is not the token, but there is no need to echo it.
    const where = `${source}["${key.slice(0, 8)}…"]`;
    if (!/^[0-9a-fA-F]{64}$/.test(key))
      throw new TokenConfigError(
        `${source}: every key must be the SHA-256 of a token as 64 hex digits (found a key of ${key.length} characters)`,
      );
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new TokenConfigError(`${where} must be an object {"identity": ..., "roles": [...]}`);
    const entry = value as Record<string, unknown>;
    for (const field of Object.keys(entry))
      if (field !== 'identity' && field !== 'roles')
        throw new TokenConfigError(`${where}.${field}: unknown field; an entry takes identity and roles`);
    if (typeof entry.identity !== 'string' || entry.identity.trim() === '' || entry.identity.length > 512)
      throw new TokenConfigError(`${where}.identity must be a non-empty string (at most 512 characters)`);
    const roles = entry.roles;
    if (!Array.isArray(roles) || roles.length === 0)
      throw new TokenConfigError(`${where}.roles must be a non-empty array of ${ROLES.join(', ')}`);
    for (const role of roles)
      if (!(ROLES as readonly unknown[]).includes(role))
        throw new TokenConfigError(
          `${where}.roles: ${JSON.stringify(role)} is not a role; use ${ROLES.join(', ')}`,
        );
    entries.push({
      hash: Buffer.from(key.toLowerCase(), 'hex'),
      principal: { identity: entry.identity, roles: [...new Set(roles as Role[])] },
    });
  }
  return {
    size: entries.length,
    lookup(token) {
      const presented = createHash('sha256').update(token, 'utf8').digest();
      let found: Principal | undefined;
      // Every entry is compared, so the time taken does not tell which (or whether one) matched.
      for (const e of entries) if (timingSafeEqual(e.hash, presented)) found = e.principal;
      return found;
    },
  };
}

/** The table from GRANTFLOW_API_TOKENS (JSON) or GRANTFLOW_API_TOKENS_FILE (a path); undefined if neither. */
export async function loadTokenTable(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Promise<TokenTable | undefined> {
  const inline = env.GRANTFLOW_API_TOKENS;
  const file = env.GRANTFLOW_API_TOKENS_FILE;
  if (inline && file)
    throw new TokenConfigError('set GRANTFLOW_API_TOKENS or GRANTFLOW_API_TOKENS_FILE, not both');
  if (inline) return parseTokenTable(inline, 'GRANTFLOW_API_TOKENS');
  if (!file) return undefined;
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new TokenConfigError(`GRANTFLOW_API_TOKENS_FILE ${file}: ${(err as Error).message}`);
  }
  return parseTokenTable(text, `GRANTFLOW_API_TOKENS_FILE ${file}`);
}

/** The principal for an `Authorization: Bearer <token>` header, or why there is none. */
export function authenticate(
  table: TokenTable,
  header: string | undefined,
): { principal: Principal } | { problem: string } {
  if (header === undefined || header === '') return { problem: 'an Authorization: Bearer token is required' };
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match) return { problem: 'the Authorization header must be "Bearer <token>"' };
  const principal = table.lookup(match[1]!);
  return principal ? { principal } : { problem: 'the bearer token is not valid' };
}
