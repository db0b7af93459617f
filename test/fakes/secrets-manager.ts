// A fake AWS Secrets Manager for GetSecretValue: the AWS JSON 1.1 protocol (POST /, X-Amz-Target
// secretsmanager.GetSecretValue), SigV4 checked on every request, secrets found by ARN or name,
// and errors as the service sends them ({"__type", "message"} with status 400).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest } from './scripted-server.ts';
import { verifySigV4 } from './sigv4.ts';

export const SECRETS_FAKE_CREDENTIALS = {
  accessKeyId: 'AKIAFAKESECRETS00001',
  secretAccessKey: 'fake/secret/key/for/the/secrets/fake/00',
} as const;

export interface FakeSecret {
  readonly name: string;
  readonly text: string;
}

export interface SecretsManagerFake {
  readonly url: string;
  readonly region: string;
  /** The ARN of a secret kept here. */
  arnOf(name: string): string;
  /** Every request, with the target it named. */
  readonly requests: { readonly target: string; readonly body: unknown }[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

async function record(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks);
  const body = rawBody.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body, rawBody, json };
}

export async function startSecretsManagerFake(
  secrets: readonly FakeSecret[],
  region = 'ap-northeast-2',
): Promise<SecretsManagerFake> {
  const account = '123456789012';
  // Secrets Manager appends six random characters to a secret's name in its ARN.
  const arns = new Map(
    secrets.map((s) => [s.name, `arn:aws:secretsmanager:${region}:${account}:secret:${s.name}-AbCdEf`]),
  );
  const requests: { target: string; body: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const request = await record(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      requests.push({ target, body: request.json });
      const auth = await verifySigV4(request, {
        credentials: {
          [SECRETS_FAKE_CREDENTIALS.accessKeyId]: {
            secretAccessKey: SECRETS_FAKE_CREDENTIALS.secretAccessKey,
          },
        },
        service: 'secretsmanager',
        region,
      });
      if (!auth.ok) return send(res, auth.status, { __type: auth.errorType, message: auth.message });
      if (req.method !== 'POST' || target !== 'secretsmanager.GetSecretValue')
        return send(res, 400, { __type: 'UnknownOperationException', message: `fake: ${target}` });
      const id = (request.json as { SecretId?: unknown } | undefined)?.SecretId;
      const secret = secrets.find((s) => s.name === id || arns.get(s.name) === id);
      if (secret === undefined) {
        return send(res, 400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
      }
      send(res, 200, {
        ARN: arns.get(secret.name),
        Name: secret.name,
        SecretString: secret.text,
        VersionId: randomUUID(),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      });
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    region,
    arnOf: (name) => arns.get(name)!,
    requests,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
