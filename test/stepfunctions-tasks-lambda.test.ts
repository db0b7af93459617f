// The tasks function as Lambda runs it: configured from the environment, on the shared
// PostgreSQL or MySQL store (when GRANTFLOW_TEST_PG_URL / GRANTFLOW_TEST_MYSQL_URL are set;
// skipped with the reason otherwise), and its refusals of configurations that cannot work.
import { describe, expect, it } from 'vitest';
import { listAuditLog } from '../src/store/audit-log.ts';
import { storedTime } from '../src/store/schema.ts';
import { DatabaseSecretError, databaseUrlFromSecret } from '../src/workflow/stepfunctions/database-secret.ts';
import { openTasksRuntime } from '../src/workflow/stepfunctions/lambda-handler.ts';
import { SECRETS_FAKE_CREDENTIALS, startSecretsManagerFake } from './fakes/secrets-manager.ts';
import { createTestDatabase, ENGINES } from './helpers/store-databases.ts';

const EXECUTION = {
  Id: 'arn:aws:states:us-east-1:123456789012:execution:grantflow-lifecycle:req-lambda-1',
  Name: 'req-lambda-1',
};

describe('openTasksRuntime refuses what cannot work on Lambda', () => {
  it('needs a shared PostgreSQL or MySQL database', async () => {
    const needs = /GRANTFLOW_DATABASE_URL \(or the secret GRANTFLOW_DATABASE_URL_SECRET names\) must name/;
    await expect(openTasksRuntime({}, '/tmp')).rejects.toThrow(needs);
    await expect(openTasksRuntime({ GRANTFLOW_DATABASE_URL: 'sqlite:/tmp/x.db' }, '/tmp')).rejects.toThrow(
      needs,
    );
    await expect(
      openTasksRuntime(
        { GRANTFLOW_DATABASE_URL: 'postgres://a@h/d', GRANTFLOW_DATABASE_URL_SECRET: 'grantflow-db' },
        '/tmp',
      ),
    ).rejects.toThrow(/not both/);
  });

  it('reads the database URL from a Secrets Manager secret, and says why it cannot', async () => {
    const password = 'pa55-w0rd-never-shown';
    const fake = await startSecretsManagerFake([
      { name: 'grantflow-db', text: `postgres://grantflow:${password}@127.0.0.1:1/grantflow\n` },
      { name: 'not-a-url', text: `{"username":"grantflow","password":"${password}"}` },
    ]);
    const env = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.url,
      AWS_ACCESS_KEY_ID: SECRETS_FAKE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SECRETS_FAKE_CREDENTIALS.secretAccessKey,
    };
    try {
      // By ARN (its region is where the secret is read), or by name with AWS_REGION.
      expect(await databaseUrlFromSecret(fake.arnOf('grantflow-db'), env)).toBe(
        `postgres://grantflow:${password}@127.0.0.1:1/grantflow`,
      );
      expect(await databaseUrlFromSecret('grantflow-db', { ...env, AWS_REGION: fake.region })).toMatch(
        /^postgres:\/\//,
      );
      expect(fake.requests.map((r) => r.json)).toEqual([
        { SecretId: fake.arnOf('grantflow-db') },
        { SecretId: 'grantflow-db' },
      ]);
      await expect(databaseUrlFromSecret('grantflow-db', env)).rejects.toThrow(
        /give its ARN, or set AWS_REGION/,
      );
      // The errors name the secret and the service's answer, never the secret's text.
      const notFound = databaseUrlFromSecret('missing', { ...env, AWS_REGION: fake.region });
      await expect(notFound).rejects.toThrow(/cannot read the secret missing: ResourceNotFoundException/);
      const notUrl = await databaseUrlFromSecret(fake.arnOf('not-a-url'), env).catch((err: Error) => err);
      expect(notUrl).toBeInstanceOf(DatabaseSecretError);
      expect((notUrl as Error).message).toMatch(/must hold the database URL as its text/);
      expect((notUrl as Error).message).not.toContain(password);
      const badKey = { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' };
      await expect(databaseUrlFromSecret(fake.arnOf('grantflow-db'), badKey)).rejects.toThrow(
        /SignatureDoesNotMatch|InvalidSignatureException/,
      );
      // The runtime uses it: the database named there is opened (and is not reachable here).
      const opened = await openTasksRuntime(
        { ...env, GRANTFLOW_DATABASE_URL_SECRET: fake.arnOf('grantflow-db'), GRANTFLOW_NOTIFY_LOG: 'off' },
        '/tmp',
      ).catch((err: Error) => err);
      expect(opened).toBeInstanceOf(Error);
      expect((opened as Error).message).not.toMatch(/must name|secret/);
      expect((opened as Error).message).not.toContain(password);
    } finally {
      await fake.close();
    }
  });

  it('names an unknown drafter provider before it opens anything', async () => {
    await expect(
      openTasksRuntime(
        { GRANTFLOW_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', GRANTFLOW_PROVIDER: 'oracle' },
        '/tmp',
      ),
    ).rejects.toThrow(/GRANTFLOW_PROVIDER "oracle" is not a provider/);
  });
});

for (const engine of ENGINES.filter((e) => e.engine !== 'sqlite')) {
  describe.skipIf(engine.skip !== undefined)(`the tasks function on ${engine.title}`, () => {
    it('records a step of a request in the shared store, and hardens a policy', async () => {
      const database = await createTestDatabase(engine.engine);
      const runtime = await openTasksRuntime(
        { GRANTFLOW_DATABASE_URL: database.url, AWS_REGION: 'us-east-1', GRANTFLOW_NOTIFY_LOG: 'off' },
        '/tmp',
      );
      try {
        const now = storedTime(new Date());
        await runtime.store.db
          .insertInto('access_requests')
          .values({
            id: EXECUTION.Name,
            requested_task: 'translate text',
            target_iam_identity: 'USER',
            target_iam_identity_arn: 'arn:aws:iam::123456789012:user/dev-kim',
            required_attach_time: 600,
            account_id: '123456789012',
            region: 'us-east-1',
            requester: 'dev-kim',
            language: 'en',
            status: 'received',
            outcome: null,
            policy_document: null,
            policy_hash: null,
            policy_name: null,
            policy_arn: null,
            execution_id: EXECUTION.Name,
            extends_request_id: null,
            expires_at: null,
            created_at: now,
            updated_at: now,
            version: 1,
          })
          .execute();
        const event = {
          Task: 'record',
          Arguments: {
            RequestId: EXECUTION.Name,
            Status: 'drafted',
            Fields: { outcome: 'grant' },
            Audit: [{ Type: 'request.drafted', Details: { attempts: 1 } }],
          },
          Execution: EXECUTION,
          State: { Name: 'RecordDraft', RetryCount: 0 },
        };
        expect(await runtime.run(event)).toEqual({ RequestId: EXECUTION.Name, Status: 'drafted' });
        // Step Functions retries the step (say Lambda timed out after the write): no second audit entry.
        await runtime.run({ ...event, State: { Name: 'RecordDraft', RetryCount: 1 } });
        const row = await runtime.store.db
          .selectFrom('access_requests')
          .selectAll()
          .where('id', '=', EXECUTION.Name)
          .executeTakeFirstOrThrow();
        expect(row).toMatchObject({ status: 'drafted', outcome: 'grant' });
        const audit = await listAuditLog(runtime.store.db, { subject: EXECUTION.Name });
        expect(audit.map((e) => e.type)).toEqual(['request.drafted']);
        expect(audit[0]!.details).toMatchObject({ executionId: EXECUTION.Name, status: 'drafted' });

        const policy = {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'translate:TranslateText',
              Resource: '*',
              Condition: { DateLessThan: { 'aws:CurrentTime': '2026-11-22T10:00:00Z' } },
            },
          ],
        };
        const hardened = (await runtime.run({
          Task: 'harden',
          Arguments: {
            PolicyDocument: JSON.stringify(policy),
            ExpiresAt: '2026-11-22T10:00:00Z',
            NewExpiresAt: '2026-11-22T11:00:00.200Z',
            PrincipalArn: 'arn:aws:iam::123456789012:user/dev-kim',
          },
          Execution: EXECUTION,
          State: { Name: 'StartGrantClock', RetryCount: 0 },
        })) as { PolicyDocument: string; ExpiresAt: string };
        expect(hardened.ExpiresAt).toBe('2026-11-22T11:00:01Z');
        expect(hardened.PolicyDocument).toContain('2026-11-22T11:00:01Z');
      } finally {
        await runtime.close();
        await database.drop();
      }
    });
  });
}
