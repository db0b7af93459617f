// Identifiers in IAM's formats ("IAM identifiers", unique ID prefixes): AIDA users, AGPA groups,
// AROA roles, ANPA managed policies, AKIA access keys; the random part is base32 (A-Z, 2-7).
import { randomBytes as cryptoRandomBytes } from 'node:crypto';

export const ID_PREFIX = {
  user: 'AIDA',
  group: 'AGPA',
  role: 'AROA',
  policy: 'ANPA',
  accessKey: 'AKIA',
} as const;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export type RandomBytes = (n: number) => Uint8Array;

export const defaultRandomBytes: RandomBytes = (n) => cryptoRandomBytes(n);

function draw(alphabet: string, length: number, random: RandomBytes): string {
  const bytes = random(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

/** A 21-character unique id such as AIDAJQABLZS4A3QDU576Q. */
export function uniqueId(kind: Exclude<keyof typeof ID_PREFIX, 'accessKey'>, random: RandomBytes): string {
  return ID_PREFIX[kind] + draw(BASE32, 17, random);
}

export function accessKeyId(random: RandomBytes): string {
  return ID_PREFIX.accessKey + draw(BASE32, 16, random);
}

export function secretAccessKey(random: RandomBytes): string {
  return draw(SECRET, 40, random);
}
