// HTTP receivers for the webhook channels, on 127.0.0.1, built on the scripted server: a Slack
// incoming webhook (secret path, JSON body with text/blocks, answers `ok` or Slack's error
// strings) and a grantflow signed-webhook receiver that checks the HMAC signature before the script.
import { randomBytes } from 'node:crypto';
import { verifyWebhookSignature } from '../../src/notify/index.ts';
import type { VerifyResult } from '../../src/notify/index.ts';
import { ScriptedServer } from './scripted-server.ts';
import type { RecordedRequest, Scripted } from './scripted-server.ts';

/** Slack answers a good post with a plain `ok`. */
export const SLACK_OK: Scripted = { kind: 'raw', body: 'ok', headers: { 'content-type': 'text/html' } };

export const slackError = (
  status: number,
  error: string,
  headers: Record<string, string> = {},
): Scripted => ({
  kind: 'raw',
  status,
  body: error,
  headers: { 'content-type': 'text/html', ...headers },
});

export interface SlackFake {
  readonly server: ScriptedServer;
  /** The webhook URL, with its secret path. */
  readonly url: string;
  readonly path: string;
}

/** Checks what Slack checks before posting: the path, the method, JSON with text or blocks. */
export async function startSlackFake(): Promise<SlackFake> {
  const path = `/services/T${hex(4)}/B${hex(4)}/${hex(12)}`;
  const server = new ScriptedServer((req) => {
    if (req.url !== path) return { reason: 'unknown webhook', response: slackError(404, 'no_service') };
    if (req.method !== 'POST') return { reason: 'not a POST', response: slackError(405, 'invalid_method') };
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
      return { reason: 'not JSON', response: slackError(400, 'invalid_payload') };
    }
    const body = req.json as { text?: unknown; blocks?: unknown } | undefined;
    if (!body || typeof body !== 'object')
      return { reason: 'bad JSON', response: slackError(400, 'invalid_payload') };
    if (body.text === undefined && body.blocks === undefined) {
      return { reason: 'no text', response: slackError(400, 'no_text') };
    }
    if (body.blocks !== undefined && !isBlockList(body.blocks)) {
      return { reason: 'bad blocks', response: slackError(400, 'invalid_blocks') };
    }
    return undefined;
  }, SLACK_OK);
  await server.listen();
  return { server, url: `${server.url}${path}`, path };
}

function isBlockList(blocks: unknown): boolean {
  return (
    Array.isArray(blocks) &&
    blocks.length <= 50 &&
    blocks.every(
      (b) => typeof b === 'object' && b !== null && typeof (b as { type?: unknown }).type === 'string',
    )
  );
}

export interface SignedReceiver {
  readonly server: ScriptedServer;
  readonly url: string;
  /** The verification result of each request, in order. */
  readonly checks: VerifyResult[];
}

/** Verifies each request's signature with `secret`; a bad one gets 401 before the script. */
export async function startSignedReceiver(secret: string, toleranceSeconds = 300): Promise<SignedReceiver> {
  const checks: VerifyResult[] = [];
  const server = new ScriptedServer(
    (req: RecordedRequest) => {
      const check = verifyWebhookSignature(secret, req.headers, req.rawBody, { toleranceSeconds });
      checks.push(check);
      if (!check.ok) {
        return {
          reason: check.reason,
          response: { kind: 'json', status: 401, body: { error: check.reason } },
        };
      }
      return undefined;
    },
    { kind: 'json', body: { received: true } },
  );
  await server.listen();
  return { server, url: `${server.url}/hooks/grantflow`, checks };
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex').toUpperCase();
}
