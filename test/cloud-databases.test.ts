// The embedded IAM on every database the store supports: the operations whose SQL differs by
// database (upserts) and a lifecycle's worth of writes, against PostgreSQL and MySQL/MariaDB
// when GRANTFLOW_TEST_PG_URL / GRANTFLOW_TEST_MYSQL_URL are set (skipped with the reason otherwise).
import { describe, expect, it } from 'vitest';
import { LocalIamBackend } from '../src/cloud/index.ts';
import { openStore } from '../src/store/index.ts';
import { allowDoc } from './helpers/cloud.ts';
import { createTestDatabase, ENGINES } from './helpers/store-databases.ts';

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== undefined)(`embedded IAM on ${engine.title}`, () => {
    it('replaces inline policies, regenerates the credential report and keeps settings', async () => {
      const database = await createTestDatabase(engine.engine);
      const iam = await LocalIamBackend.open(await openStore(database.config), { ownsStore: true });
      try {
        await iam.createUser({ UserName: 'dev-kim' });
        await iam.putUserPolicy({
          UserName: 'dev-kim',
          PolicyName: 'p',
          PolicyDocument: allowDoc('s3:GetObject'),
        });
        await iam.putUserPolicy({
          UserName: 'dev-kim',
          PolicyName: 'p',
          PolicyDocument: allowDoc('s3:PutObject'),
        });
        const inline = await iam.getUserPolicy({ UserName: 'dev-kim', PolicyName: 'p' });
        expect(inline.PolicyDocument).toContain('s3:PutObject');

        expect((await iam.generateCredentialReport()).State).toBe('STARTED');
        expect((await iam.getCredentialReport()).ReportFormat).toBe('text/csv');

        const key = { AccessKeyId: 'AKIAEXAMPLEEXAMPLE01', SecretAccessKey: 'secret-one' };
        expect(await iam.rootAccessKey(key)).toEqual(key);
        const replaced = { AccessKeyId: 'AKIAEXAMPLEEXAMPLE02', SecretAccessKey: 'secret-two' };
        expect(await iam.rootAccessKey(replaced)).toEqual(replaced);
        expect(await iam.rootAccessKey()).toEqual(replaced);

        const { Policy } = await iam.createPolicy({
          PolicyName: 'grant-1',
          Path: '/grantflow/',
          PolicyDocument: allowDoc('translate:TranslateText'),
          Tags: [{ Key: 'grantflow:expires-at', Value: '2026-11-22T20:00:00Z' }],
        });
        await iam.attachUserPolicy({ UserName: 'dev-kim', PolicyArn: Policy.Arn });
        expect((await iam.listAttachedUserPolicies({ UserName: 'dev-kim' })).AttachedPolicies).toHaveLength(
          1,
        );
        await iam.detachUserPolicy({ UserName: 'dev-kim', PolicyArn: Policy.Arn });
        await iam.deletePolicy({ PolicyArn: Policy.Arn });
        const details = await iam.getAccountAuthorizationDetails({});
        expect(details.UserDetailList.map((u) => u.UserName)).toEqual(['dev-kim']);
      } finally {
        await iam.close();
        await database.drop();
      }
    });
  });
}
