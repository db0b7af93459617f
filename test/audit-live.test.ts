// Auditing an account live through the IamBackend: the embedded IAM in process, and the AWS SDK
// backend talking to the emulator. Every page of GetAccountAuthorizationDetails is read, the tags
// of grantflow's policies are fetched, and the credential report is generated and polled.
import { afterEach, describe, expect, it } from 'vitest';
import { loadLiveAccount, runAudit } from '../src/audit/index.ts';
import { CloudError, seedSampleAccount } from '../src/cloud/index.ts';
import type { IamBackend } from '../src/cloud/index.ts';
import { awsUnderTest, localUnderTest } from './helpers/cloud.ts';
import type { BackendUnderTest } from './helpers/cloud.ts';

const open: BackendUnderTest[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

const noWait = async () => {};

async function sampleAccount(make: () => Promise<BackendUnderTest>): Promise<BackendUnderTest> {
  const under = await make();
  open.push(under);
  await seedSampleAccount(under.local);
  const { Policy } = await under.local.createPolicy({
    PolicyName: 'grant-req-42',
    Path: '/grantflow/',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::reports/*' }],
    }),
    Tags: [{ Key: 'grantflow:expires-at', Value: '2025-01-01T00:00:00Z' }],
  });
  await under.local.attachUserPolicy({ UserName: 'bob', PolicyArn: Policy.Arn });
  return under;
}

/** The backend with some operations replaced. */
function override(backend: IamBackend, replaced: Partial<IamBackend>): IamBackend {
  return new Proxy(backend, {
    get(target, prop, receiver) {
      if (Object.hasOwn(replaced, prop)) return replaced[prop as keyof IamBackend];
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Counts calls and can force small pages, to see pagination at work. */
function instrumented(backend: IamBackend, pageSize?: number) {
  const calls = { details: 0 };
  const wrapped = override(backend, {
    getAccountAuthorizationDetails: (input) => {
      calls.details++;
      return backend.getAccountAuthorizationDetails({
        ...input,
        ...(pageSize ? { MaxItems: pageSize } : {}),
      });
    },
  });
  return { backend: wrapped, calls };
}

for (const make of [localUnderTest, awsUnderTest]) {
  describe(`audit of a live account (${make === localUnderTest ? 'local' : 'aws via the emulator'})`, () => {
    it('reads every page and finds what the sample account holds', async () => {
      const under = await sampleAccount(() => make());
      const { backend, calls } = instrumented(under.backend, 3);
      const snapshot = await loadLiveAccount(backend, { sleep: noWait });
      expect(calls.details).toBeGreaterThan(3);
      expect(snapshot.accountId).toBe(under.local.accountId);
      expect(snapshot.users.map((u) => u.name).sort()).toEqual(['alice', 'bob', 'carol', 'deploy-bot']);
      expect(snapshot.roles.map((r) => r.name).sort()).toEqual([
        'app-server',
        'external-auditor',
        'image-resizer',
      ]);
      // The whole account in one page gives the same snapshot.
      const single = await loadLiveAccount(under.backend, { sleep: noWait });
      expect(single.policies.size).toBe(snapshot.policies.size);

      const result = await runAudit(snapshot, { now: new Date('2025-06-01T00:00:00Z') });
      const arn = (name: string) => `arn:aws:iam::${under.local.accountId}:${name}`;
      const checks = (name: string) =>
        result.findings.filter((f) => f.principal === arn(name)).map((f) => f.check);
      // alice is in admins, which has AdministratorAccess.
      expect(checks('user/alice')).toEqual(['full-admin']);
      // deploy-bot's LegacyDeployer allows iam:PassRole and lambda:* on "*", and image-resizer trusts Lambda.
      const escalation = result.findings.find(
        (f) =>
          f.principal === arn('user/automation/deploy-bot') &&
          f.check === 'privilege-escalation' &&
          f.severity === 'high',
      );
      expect(escalation?.title).toContain('role/service-role/image-resizer');
      // external-auditor requires an external id: not reported as open to the other account.
      expect(checks('role/external-auditor')).not.toContain('trust-cross-account-without-external-id');
      // The grantflow policy's expiry tag was fetched: it expired and is still attached to bob.
      const leftover = result.findings.find((f) => f.check === 'grantflow-expired-policy');
      expect(leftover).toMatchObject({ principal: arn('policy/grantflow/grant-req-42'), severity: 'medium' });
      // The credential report was generated and read: the embedded root has no MFA.
      expect(snapshot.credentialReport?.rows[0]?.user).toBe('<root_account>');
      expect(result.findings.map((f) => f.check)).toContain('root-without-mfa');
    });
  });
}

describe('the credential report', () => {
  it('is polled until IAM has it ready', async () => {
    const under = await localUnderTest();
    open.push(under);
    const states = ['STARTED', 'INPROGRESS', 'COMPLETE', 'COMPLETE'] as const;
    let generate = 0;
    let fetches = 0;
    const sleeps: number[] = [];
    const backend = override(under.backend, {
      generateCredentialReport: async () => {
        await under.backend.generateCredentialReport();
        return { State: states[Math.min(generate++, states.length - 1)]!, Description: '' };
      },
      getCredentialReport: async () => {
        if (fetches++ === 0) throw new CloudError('ReportInProgress', 'still writing');
        return under.backend.getCredentialReport();
      },
    });
    const snapshot = await loadLiveAccount(backend, {
      sleep: async (ms) => void sleeps.push(ms),
      pollIntervalMs: 5,
    });
    expect(snapshot.credentialReport?.rows.length).toBeGreaterThan(0);
    expect(sleeps).toEqual([5, 5, 5]);
  });

  it('gives up after the configured attempts, and other errors pass through', async () => {
    const under = await localUnderTest();
    open.push(under);
    const pending = override(under.backend, {
      generateCredentialReport: async () => ({ State: 'INPROGRESS', Description: '' }),
    });
    await expect(loadLiveAccount(pending, { sleep: noWait, reportAttempts: 3 })).rejects.toThrow(
      /not ready after 3 attempts/,
    );
    const denied = override(under.backend, {
      getCredentialReport: async () => {
        throw new CloudError('AccessDenied', 'not allowed');
      },
    });
    await expect(loadLiveAccount(denied, { sleep: noWait })).rejects.toThrow(/not allowed/);
    // Without the report, nothing is asked of it.
    const snapshot = await loadLiveAccount(denied, { credentialReport: false });
    expect(snapshot.credentialReport).toBeUndefined();
  });
});
