// The emulator as a client sees it: SigV4 checks, the XML on the wire, user access keys, the
// optional authorization with the evaluation engine, and the AWS CLI against it.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsIamBackend, startEmulator } from '../src/cloud/index.ts';
import type { LocalIamBackend, RunningEmulator } from '../src/cloud/index.ts';
import { allowDoc, failure, openMemoryLocal } from './helpers/cloud.ts';

function sdk(emulator: RunningEmulator, accessKeyId: string, secretAccessKey: string): AwsIamBackend {
  return new AwsIamBackend({
    endpoint: emulator.url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId, secretAccessKey },
  });
}

describe('emulator: signatures and wire format', () => {
  let local: LocalIamBackend;
  let emulator: RunningEmulator;
  let root: AwsIamBackend;

  beforeAll(async () => {
    local = await openMemoryLocal();
    emulator = await startEmulator({ backend: local });
    root = sdk(emulator, emulator.credentials.AccessKeyId, emulator.credentials.SecretAccessKey);
  });
  afterAll(async () => {
    await root.close();
    await emulator.close();
    await local.close();
  });

  it('binds 127.0.0.1 by default and keeps its root key across restarts of the server', async () => {
    expect(emulator.host).toBe('127.0.0.1');
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const again = await startEmulator({ backend: local });
    expect(again.credentials).toEqual(emulator.credentials);
    await again.close();
  });

  it('answers InvalidClientTokenId (403) for a key it never issued', async () => {
    const client = sdk(emulator, 'AKIAAAAAAAAAAAAAAAAA', 'x'.repeat(40));
    const err = await failure(client.listUsers());
    expect(err.code).toBe('InvalidClientTokenId');
    expect(err.httpStatus).toBe(403);
    await client.close();
  });

  it('answers SignatureDoesNotMatch (403) for a wrong secret', async () => {
    const client = sdk(emulator, emulator.credentials.AccessKeyId, 'wrong'.padEnd(40, '0'));
    const err = await failure(client.getCallerIdentity());
    expect(err.code).toBe('SignatureDoesNotMatch');
    expect(err.httpStatus).toBe(403);
    await client.close();
  });

  it('refuses unsigned requests, tampered bodies and stale signatures', async () => {
    const unsigned = await fetch(emulator.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListUsers&Version=2010-05-08',
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toMatch(/<Code>MissingAuthenticationToken<\/Code>/);

    // Sign a request, then change its body.
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Sha256 } = await sha256Class();
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: emulator.credentials.AccessKeyId,
        secretAccessKey: emulator.credentials.SecretAccessKey,
      },
      region: 'us-east-1',
      service: 'iam',
      sha256: Sha256,
    });
    const url = new URL(emulator.url);
    const sign = async (body: string, date?: Date) =>
      signer.sign(
        {
          method: 'POST',
          protocol: 'http:',
          hostname: url.hostname,
          port: Number(url.port),
          path: '/',
          headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
          body,
        },
        date ? { signingDate: date } : {},
      );
    const good = await sign('Action=ListUsers&Version=2010-05-08');
    const ok = await fetch(emulator.url, {
      method: 'POST',
      headers: good.headers as Record<string, string>,
      body: good.body as string,
    });
    expect(ok.status).toBe(200);
    const xml = await ok.text();
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<ListUsersResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><ListUsersResult>/,
    );
    expect(xml).toMatch(
      /<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/ListUsersResponse>/,
    );

    const tampered = await fetch(emulator.url, {
      method: 'POST',
      headers: good.headers as Record<string, string>,
      body: 'Action=DeleteUser&Version=2010-05-08&UserName=x',
    });
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toMatch(/<Type>Sender<\/Type><Code>SignatureDoesNotMatch<\/Code>/);

    const stale = await sign('Action=ListUsers&Version=2010-05-08', new Date(Date.now() - 20 * 60 * 1000));
    const old = await fetch(emulator.url, {
      method: 'POST',
      headers: stale.headers as Record<string, string>,
      body: stale.body as string,
    });
    expect(old.status).toBe(403);
    expect(await old.text()).toMatch(/Signature expired/);
  });

  it('writes IAM errors as ErrorResponse XML with the HTTP status IAM uses', async () => {
    const call = async (body: string) => {
      const { SignatureV4 } = await import('@smithy/signature-v4');
      const { Sha256 } = await sha256Class();
      const url = new URL(emulator.url);
      const signed = await new SignatureV4({
        credentials: {
          accessKeyId: emulator.credentials.AccessKeyId,
          secretAccessKey: emulator.credentials.SecretAccessKey,
        },
        region: 'us-east-1',
        service: 'iam',
        sha256: Sha256,
      }).sign({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const res = await fetch(emulator.url, {
        method: 'POST',
        headers: signed.headers as Record<string, string>,
        body,
      });
      return { status: res.status, text: await res.text() };
    };
    const missing = await call('Action=GetUser&Version=2010-05-08&UserName=ghost');
    expect(missing.status).toBe(404);
    expect(missing.text).toMatch(
      /<ErrorResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>NoSuchEntity<\/Code><Message>The user with name ghost cannot be found.<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/,
    );
    await root.createUser({ UserName: 'twice' });
    expect((await call('Action=CreateUser&Version=2010-05-08&UserName=twice')).status).toBe(409);
    const unknown = await call('Action=LaunchRocket&Version=2010-05-08');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(/<Code>InvalidAction<\/Code>/);
    const document = encodeURIComponent(allowDoc('s3:GetObject').replace('GetObject', 'GetObject\u4e2d'));
    const wide = await call(
      `Action=CreatePolicy&Version=2010-05-08&PolicyName=wide&PolicyDocument=${document}`,
    );
    expect(wide.status).toBe(400);
    expect(wide.text).toMatch(/<Code>ValidationError<\/Code>/);
    // Documents go out URL-encoded, as IAM sends them.
    await root.putUserPolicy({
      UserName: 'twice',
      PolicyName: 'p',
      PolicyDocument: allowDoc('s3:GetObject'),
    });
    const inline = await call('Action=GetUserPolicy&Version=2010-05-08&UserName=twice&PolicyName=p');
    expect(inline.text).toContain(`<PolicyDocument>%7B%22Version%22%3A%222012-10-17%22`);
  });

  it('accepts keys from CreateAccessKey, names the user as caller, and forgets deleted keys', async () => {
    await root.createUser({ UserName: 'keyholder', Path: '/ops/' });
    const { AccessKey } = await root.createAccessKey({ UserName: 'keyholder' });
    const user = sdk(emulator, AccessKey.AccessKeyId, AccessKey.SecretAccessKey);
    const me = await user.getCallerIdentity();
    expect(me.Arn).toBe('arn:aws:iam::123456789012:user/ops/keyholder');
    expect(me.UserId).toMatch(/^AIDA/);
    // Without --authorize the emulator does not limit what a user may call.
    expect((await user.listUsers()).Users.length).toBeGreaterThan(0);
    await root.deleteAccessKey({ UserName: 'keyholder', AccessKeyId: AccessKey.AccessKeyId });
    expect((await failure(user.getCallerIdentity())).code).toBe('InvalidClientTokenId');
    await user.close();
  });
});

describe('emulator --authorize', () => {
  let local: LocalIamBackend;
  let emulator: RunningEmulator;
  let root: AwsIamBackend;
  let user: AwsIamBackend;

  beforeAll(async () => {
    local = await openMemoryLocal();
    emulator = await startEmulator({ backend: local, authorize: true });
    root = sdk(emulator, emulator.credentials.AccessKeyId, emulator.credentials.SecretAccessKey);
    await root.createUser({ UserName: 'granter' });
    const { AccessKey } = await root.createAccessKey({ UserName: 'granter' });
    user = sdk(emulator, AccessKey.AccessKeyId, AccessKey.SecretAccessKey);
  });
  afterAll(async () => {
    await user.close();
    await root.close();
    await emulator.close();
    await local.close();
  });

  it('denies a user without policies (AccessDenied, 403) and leaves the root unlimited', async () => {
    const err = await failure(
      user.createPolicy({ PolicyName: 'x', PolicyDocument: allowDoc('s3:GetObject') }),
    );
    expect(err.code).toBe('AccessDenied');
    expect(err.httpStatus).toBe(403);
    expect(err.message).toBe(
      'User: arn:aws:iam::123456789012:user/granter is not authorized to perform: iam:CreatePolicy on resource: arn:aws:iam::123456789012:policy/x because no identity-based policy allows the iam:CreatePolicy action',
    );
    expect((await root.listUsers()).Users.map((u) => u.UserName)).toEqual(['granter']);
    // Anyone may ask who they are.
    expect((await user.getCallerIdentity()).Arn).toBe('arn:aws:iam::123456789012:user/granter');
  });

  it('allows what the user’s (and its groups’) policies allow, on the resource they name', async () => {
    await root.putUserPolicy({
      UserName: 'granter',
      PolicyName: 'grantflow-policies',
      PolicyDocument: allowDoc(
        ['iam:CreatePolicy', 'iam:GetPolicy'],
        'arn:aws:iam::123456789012:policy/grantflow/*',
      ),
    });
    const { Policy } = await user.createPolicy({
      PolicyName: 'ok',
      Path: '/grantflow/',
      PolicyDocument: allowDoc('s3:GetObject'),
    });
    expect((await user.getPolicy({ PolicyArn: Policy.Arn })).Policy.PolicyName).toBe('ok');
    const elsewhere = await failure(
      user.createPolicy({ PolicyName: 'nope', Path: '/other/', PolicyDocument: allowDoc('s3:GetObject') }),
    );
    expect(elsewhere.code).toBe('AccessDenied');

    await root.createGroup({ GroupName: 'readers' });
    await root.addUserToGroup({ GroupName: 'readers', UserName: 'granter' });
    expect((await failure(user.listUsers())).code).toBe('AccessDenied');
    await root.putGroupPolicy({
      GroupName: 'readers',
      PolicyName: 'list',
      PolicyDocument: allowDoc('iam:ListUsers'),
    });
    expect((await user.listUsers()).Users.length).toBe(1);
  });

  it('honours an explicit deny and iam:PolicyARN conditions', async () => {
    await root.putUserPolicy({
      UserName: 'granter',
      PolicyName: 'attach-own',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iam:AttachUserPolicy',
            Resource: '*',
            Condition: { ArnLike: { 'iam:PolicyARN': 'arn:aws:iam::123456789012:policy/grantflow/*' } },
          },
          { Effect: 'Deny', Action: 'iam:DeletePolicy', Resource: '*' },
        ],
      }),
    });
    const target = await root.createPolicy({
      PolicyName: 'attachable',
      Path: '/grantflow/',
      PolicyDocument: allowDoc('s3:GetObject'),
    });
    const other = await root.createPolicy({
      PolicyName: 'not-attachable',
      PolicyDocument: allowDoc('s3:GetObject'),
    });
    await user.attachUserPolicy({ UserName: 'granter', PolicyArn: target.Policy.Arn });
    expect(
      (await failure(user.attachUserPolicy({ UserName: 'granter', PolicyArn: other.Policy.Arn }))).code,
    ).toBe('AccessDenied');
    const denied = await failure(user.deletePolicy({ PolicyArn: other.Policy.Arn }));
    expect(denied.code).toBe('AccessDenied');
    expect(denied.message).toContain('with an explicit deny in an identity-based policy');
  });

  it('answers SNS AuthorizationError for a publish the user may not make', async () => {
    const err = await failure(
      user.publish({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts', Message: 'hi' }),
    );
    expect(err.code).toBe('AuthorizationError');
    expect(err.httpStatus).toBe(403);
  });
});

describe('the AWS CLI against the emulator', () => {
  const aws = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  const available = aws.status === 0;
  if (!available) {
    it.skip('skipped: no `aws` command on PATH (Debian: apt-get install -y awscli)', () => {});
    return;
  }

  let local: LocalIamBackend;
  let emulator: RunningEmulator;
  let dir: string;
  beforeAll(async () => {
    local = await openMemoryLocal();
    emulator = await startEmulator({ backend: local });
    dir = mkdtempSync(join(tmpdir(), 'grantflow-awscli-'));
  });
  afterAll(async () => {
    await emulator.close();
    await local.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Asynchronous: the emulator runs in this process and must keep answering while `aws` waits.
  const run = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'aws',
        [...args, '--endpoint-url', emulator.url, '--region', 'us-east-1', '--output', 'json'],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            AWS_ACCESS_KEY_ID: emulator.credentials.AccessKeyId,
            AWS_SECRET_ACCESS_KEY: emulator.credentials.SecretAccessKey,
            AWS_CONFIG_FILE: join(dir, 'none'),
            AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
            AWS_PAGER: '',
          },
          timeout: 60_000,
        },
        (err, stdout, stderr) =>
          resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('creates, reads and deletes a policy with `aws iam`, and sees IAM errors', async () => {
    const file = join(dir, 'policy.json');
    writeFileSync(file, allowDoc('s3:ListAllMyBuckets'));
    const created = await run([
      'iam',
      'create-policy',
      '--policy-name',
      'from-cli',
      '--policy-document',
      `file://${file}`,
      '--tags',
      'Key=via,Value=cli',
    ]);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const policy = JSON.parse(created.stdout).Policy;
    expect(policy.Arn).toBe('arn:aws:iam::123456789012:policy/from-cli');
    expect(policy.Tags).toEqual([{ Key: 'via', Value: 'cli' }]);

    const version = await run([
      'iam',
      'get-policy-version',
      '--policy-arn',
      policy.Arn,
      '--version-id',
      'v1',
    ]);
    expect(JSON.parse(version.stdout).PolicyVersion.Document).toEqual(
      JSON.parse(allowDoc('s3:ListAllMyBuckets')),
    );

    const duplicate = await run([
      'iam',
      'create-policy',
      '--policy-name',
      'from-cli',
      '--policy-document',
      `file://${file}`,
    ]);
    expect(duplicate.status).not.toBe(0);
    expect(duplicate.stderr).toContain('EntityAlreadyExists');

    expect((await run(['iam', 'delete-policy', '--policy-arn', policy.Arn])).status).toBe(0);
    const caller = await run(['sts', 'get-caller-identity']);
    expect(JSON.parse(caller.stdout).Arn).toBe('arn:aws:iam::123456789012:root');
  });
});

/** node:crypto's SHA-256 behind the Hash interface the SDK signer takes. */
async function sha256Class() {
  const { createHash, createHmac } = await import('node:crypto');
  class Sha256 {
    readonly #h;
    constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
      this.#h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
    }
    update(data: string | ArrayBuffer | ArrayBufferView) {
      this.#h.update(bytes(data));
    }
    async digest() {
      return new Uint8Array(this.#h.digest());
    }
    reset() {}
  }
  return { Sha256 };
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
}
