// Reading condition values as IAM compares them: numbers, dates, IP addresses and CIDR ranges.

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number, or undefined when the text is not one. */
export function parseNumber(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined;
}

const EPOCH = /^\d+(\.\d+)?$/;
// The W3C profile of ISO 8601 that IAM documents: YYYY, YYYY-MM, YYYY-MM-DD, then hh:mm[:ss[.s]] and a zone.
const ISO_DATE = /^(\d{4})(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?)?)?$/;

/**
 * A date as milliseconds since the epoch. Digits only are epoch seconds (as aws:EpochTime is
 * written), otherwise ISO 8601; a time without a zone is UTC.
 */
export function parseDate(text: string): number | undefined {
  if (EPOCH.test(text)) return Number(text) * 1000;
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  let iso = text;
  if (m[4] !== undefined && m[7] === undefined) iso += 'Z';
  else if (m[7] !== undefined && m[7] !== 'Z' && m[8] === undefined) iso += ':00';
  else if (m[8] !== undefined && !m[8].startsWith(':')) iso = `${iso.slice(0, -2)}:${iso.slice(-2)}`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** An address: IPv4 as a 32-bit number, IPv6 as eight 16-bit groups. */
export type IpAddress = number | readonly number[];

export interface CidrRange {
  readonly address: IpAddress;
  readonly prefix: number;
}

function parseIpv4(text: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else return undefined;
  }
  return dots === 4 ? value : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else if (/^[0-9a-f]{1,4}$/i.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

export function parseIp(text: string): IpAddress | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

// Requests repeat their source addresses (a batch or an audit asks from a handful of them), and an
// IPv6 address takes several allocations to parse: each text is parsed once. Parsed addresses are
// never changed by their users.
const requestIps = new Map<string, IpAddress | null>();

/** parseIp for request values, remembering what it parsed (up to 10,000 texts at a time). */
export function parseRequestIp(text: string): IpAddress | undefined {
  let ip = requestIps.get(text);
  if (ip === undefined) {
    ip = parseIp(text) ?? null;
    if (requestIps.size >= 10_000) requestIps.clear();
    requestIps.set(text, ip);
  }
  return ip ?? undefined;
}

/** A CIDR range; a bare address is a range of one (/32, or /128 for IPv6). */
export function parseCidr(text: string): CidrRange | undefined {
  const slash = text.indexOf('/');
  const address = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (address === undefined) return undefined;
  const max = typeof address === 'number' ? 32 : 128;
  if (slash < 0) return { address, prefix: max };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { address, prefix: Number(prefixText) };
}

export function inRange(ip: IpAddress, range: CidrRange): boolean {
  const net = range.address;
  if (typeof ip === 'number' || typeof net === 'number') {
    if (typeof ip !== 'number' || typeof net !== 'number') return false;
    if (range.prefix === 0) return true;
    const shift = 32 - range.prefix;
    return Math.floor(ip / 2 ** shift) === Math.floor(net / 2 ** shift);
  }
  let bits = range.prefix;
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const take = Math.min(16, bits);
    if (ip[i]! >> (16 - take) !== net[i]! >> (16 - take)) return false;
  }
  return true;
}
