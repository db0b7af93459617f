// A fake AWS Secrets Manager for GetSecretValue: the AWS JSON 1.1 protocol (POST /, X-Amz-Target
// secretsmanager.GetSecretValue), SigV4 checked on every request, secrets found by ARN or name,
// and errors as the service sends them ({"__type", "message"} with status 400).
import { randomUUID } from 'node:crypto';
import { ScriptedServer } from './scripted-server.ts';
import type { RecordedRequest, Rejection, Scripted } from './scripted-server.ts';
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
  /** Every request received, turned away or answered. */
  readonly requests: readonly RecordedRequest[];
  close(): Promise<void>;
}

function reply(status: number, body: unknown): Scripted {
  return {
    kind: 'json',
    status,
    body,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
  };
}

function refuse(status: number, type: string, message: string): Rejection {
  return { reason: `${type}: ${message}`, response: reply(status, { __type: type, message }) };
}

export async function startSecretsManagerFake(
  secrets: readonly FakeSecret[],
  region = 'ap-northeast-2',
): Promise<SecretsManagerFake> {
  // Secrets Manager appends six random characters to a secret's name in its ARN.
  const arns = new Map(
    secrets.map((s) => [s.name, `arn:aws:secretsmanager:${region}:123456789012:secret:${s.name}-AbCdEf`]),
  );
  const find = (request: RecordedRequest) => {
    const id = (request.json as { SecretId?: unknown } | undefined)?.SecretId;
    return secrets.find((s) => s.name === id || arns.get(s.name) === id);
  };
  const gate = async (request: RecordedRequest): Promise<Rejection | undefined> => {
    const auth = await verifySigV4(request, {
      credentials: {
        [SECRETS_FAKE_CREDENTIALS.accessKeyId]: { secretAccessKey: SECRETS_FAKE_CREDENTIALS.secretAccessKey },
      },
      service: 'secretsmanager',
      region,
    });
    if (!auth.ok) return refuse(auth.status, auth.errorType, auth.message);
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.method !== 'POST' || target !== 'secretsmanager.GetSecretValue')
      return refuse(400, 'UnknownOperationException', `fake: ${target}`);
    if (find(request) === undefined)
      return refuse(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return undefined;
  };
  // The gate let only requests for a kept secret through.
  const answer = (request: RecordedRequest): Scripted => {
    const secret = find(request)!;
    return reply(200, {
      ARN: arns.get(secret.name),
      Name: secret.name,
      SecretString: secret.text,
      VersionId: randomUUID(),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: Date.now() / 1000,
    });
  };
  const server = await new ScriptedServer(gate, answer).listen();
  return {
    url: server.url,
    region,
    arnOf: (name) => arns.get(name)!,
    requests: server.requests,
    close: () => server.close(),
  };
}
