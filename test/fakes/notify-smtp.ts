// An SMTP server on 127.0.0.1 (the `smtp-server` package) for the email channel's tests: STARTTLS,
// implicit TLS or plain, optional authentication, scripted refusals, and every message received
// kept with its envelope, raw text and decoded subject and body.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerOptions } from 'smtp-server';

/**
 * A self-signed certificate for 127.0.0.1 and localhost (valid until 2126), made for these tests
 * only; clients trust it by passing it as `ca`. The key protects nothing.
 */
export const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgx1PRhK+GyMCwzcFL
4hK1KTrlZwuT8pmmutmktOb8eO2hRANCAARbe4rR4ZGV81aQO9QesKwkgjcEEFQI
/8rakNmf5jqFWX5DDsn/2sTZbYanOZqXtQQU91oI1Rg0FenfKqGRkOqn
-----END PRIVATE KEY-----
`;

export const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBvTCCAWOgAwIBAgIUEoiMaoNnkCJ3lFPH25vujPCOmsEwCgYIKoZIzj0EAwIw
JTEjMCEGA1UEAwwaZ3JhbnRmbG93IHRlc3QgU01UUCBzZXJ2ZXIwIBcNMjYxMTIy
MTg0NzMyWhgPMjEyNjEwMjkxODQ3MzJaMCUxIzAhBgNVBAMMGmdyYW50ZmxvdyB0
ZXN0IFNNVFAgc2VydmVyMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEW3uK0eGR
lfNWkDvUHrCsJII3BBBUCP/K2pDZn+Y6hVl+Qw7J/9rE2W2Gpzmal7UEFPdaCNUY
NBXp3yqhkZDqp6NvMG0wHQYDVR0OBBYEFPkDQ127BOLg33dH2Ah/nMNnncWBMB8G
A1UdIwQYMBaAFPkDQ127BOLg33dH2Ah/nMNnncWBMBoGA1UdEQQTMBGHBH8AAAGC
CWxvY2FsaG9zdDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQDh
NohI3QuImgShPAPtkw8yiaR6/bxgYteqagVrk5ujFAIgGBf/8Yb0n48M1jH+57rZ
SId03ooIlTegNo/KNLgbakI=
-----END CERTIFICATE-----
`;

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** The message as it arrived (CRLF line ends). */
  readonly raw: string;
  /** Header names lower-cased, values unfolded but not decoded. */
  readonly headers: ReadonlyMap<string, string>;
  /** Subject with RFC 2047 encoded words decoded. */
  readonly subject: string;
  /** The text/plain body, transfer encoding undone, as UTF-8. */
  readonly text: string;
  /** Whether the session was encrypted when the message arrived. */
  readonly secure: boolean;
  /** The user the client authenticated as, if any. */
  readonly user?: string;
}

export interface SmtpFakeOptions {
  /** `starttls` (default) offers STARTTLS; `implicit` is TLS from the first byte; `none` offers no TLS. */
  readonly tls?: 'starttls' | 'implicit' | 'none';
  /** Require this login. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Answer RCPT TO for these addresses with this reply code (e.g. 550 or 451). */
  readonly refuseRecipients?: ReadonlyMap<string, number>;
}

export interface SmtpFake {
  readonly port: number;
  readonly messages: ReceivedMail[];
  /** Failed logins seen, with the user names tried. */
  readonly failedLogins: string[];
  close(): Promise<void>;
}

export async function startSmtpFake(options: SmtpFakeOptions = {}): Promise<SmtpFake> {
  const mode = options.tls ?? 'starttls';
  const messages: ReceivedMail[] = [];
  const failedLogins: string[] = [];
  const serverOptions: SMTPServerOptions = {
    secure: mode === 'implicit',
    key: TEST_TLS_KEY,
    cert: TEST_TLS_CERT,
    logger: false,
    disabledCommands: [...(mode === 'none' ? ['STARTTLS'] : []), ...(options.auth ? [] : ['AUTH'])],
    authOptional: !options.auth,
    allowInsecureAuth: mode === 'none',
    onAuth(auth, _session, callback) {
      const expected = options.auth;
      if (expected && auth.username === expected.user && auth.password === expected.pass) {
        callback(null, { user: auth.username });
      } else {
        failedLogins.push(auth.username ?? '');
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      }
    },
    onRcptTo(address, _session, callback) {
      const code = options.refuseRecipients?.get(address.address);
      if (code !== undefined) {
        callback(Object.assign(new Error(`recipient ${address.address} refused`), { responseCode: code }));
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parseMessage(raw);
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          ...parsed,
          secure: session.secure,
          ...(typeof session.user === 'string' ? { user: session.user } : {}),
        });
        callback(null, 'queued');
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    failedLogins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ── A minimal reader for the single-part text/plain messages the channel sends ───────────────

function parseMessage(raw: string): Pick<ReceivedMail, 'headers' | 'subject' | 'text'> {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) throw new Error('message has no header/body separator');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const type = headers.get('content-type') ?? '';
  if (!/^text\/plain\b/i.test(type))
    throw new Error(`expected a text/plain message, got ${type || 'no content type'}`);
  if (!/charset="?utf-8"?/i.test(type)) throw new Error(`expected UTF-8 text, got ${type}`);
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const body = raw.slice(split + 4);
  let bytes: Buffer;
  if (encoding === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else if (encoding === 'quoted-printable') bytes = decodeQuotedPrintable(body);
  else if (encoding === '7bit' || encoding === '8bit') bytes = Buffer.from(body, 'utf8');
  else throw new Error(`unexpected transfer encoding ${encoding}`);
  const text = bytes.toString('utf8').replace(/\r\n/g, '\n').replace(/\n$/, '');
  return { headers, subject: decodeEncodedWords(headers.get('subject') ?? ''), text };
}

function decodeQuotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\r\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const ch = soft[i] as string;
    if (ch === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      out.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(...Buffer.from(ch, 'utf8'));
  }
  return Buffer.from(out);
}

/** RFC 2047: `=?charset?B|Q?text?=`, whitespace between adjacent encoded words dropped. */
function decodeEncodedWords(value: string): string {
  const joined = value.replace(/(\?=)\s+(=\?)/g, '$1$2');
  // Decode adjacent words together: a multibyte character may be split across two of them.
  return joined.replace(/(?:=\?[^?]+\?[BbQq]\?[^?]*\?=)+/g, (run) => {
    const bytes: Buffer[] = [];
    for (const m of run.matchAll(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g)) {
      const [, charset, kind, data] = m as unknown as [string, string, string, string];
      if (!/^utf-8$/i.test(charset)) throw new Error(`unexpected charset ${charset}`);
      bytes.push(
        kind.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : decodeQuotedPrintable(data.replace(/_/g, ' ')),
      );
    }
    return Buffer.concat(bytes).toString('utf8');
  });
}
