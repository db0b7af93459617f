// Findings kept across scans, on every engine the store supports (SQLite always; PostgreSQL and
// MySQL/MariaDB when GRANTFLOW_TEST_PG_URL / GRANTFLOW_TEST_MYSQL_URL are set): a second scan
// reports what is new and what was resolved, and fingerprints do not change when policies are
// reordered, renamed or reworded without changing what they grant.
import { afterEach, describe, expect, it } from 'vitest';
import {
  authorizationDetailsSnapshot,
  listScans,
  readCredentialReport,
  recordScan,
  runAudit,
  scanFindings,
  storedFindings,
} from '../src/audit/index.ts';
import type { AccountSnapshot } from '../src/analyze/index.ts';
import type { AuditResult } from '../src/audit/index.ts';
import { openStore } from '../src/store/index.ts';
import type { Store } from '../src/store/index.ts';
import { ENGINES, createTestDatabase } from './helpers/store-databases.ts';
import type { TestDatabase } from './helpers/store-databases.ts';

const databases: TestDatabase[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of databases.splice(0)) await d.drop();
});

const ACCOUNT = '123456789012';
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

/** An account described by each user's inline policies. */
function account(
  users: Record<string, Record<string, object | string>>,
  id = ACCOUNT,
  report?: string,
): AccountSnapshot {
  return authorizationDetailsSnapshot(
    [
      {
        UserDetailList: Object.entries(users).map(([name, policies]) => ({
          UserName: name,
          Arn: `arn:aws:iam::${id}:user/${name}`,
          UserPolicyList: Object.entries(policies).map(([PolicyName, d]) => ({
            PolicyName,
            PolicyDocument: typeof d === 'string' ? d : JSON.stringify(d),
          })),
        })),
      },
    ],
    report ? { credentialReport: readCredentialReport(report) } : {},
  );
}

const admin = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
const secrets = doc({ Sid: 'Read', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' });
const keys = doc({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: '*' });

const REPORT_HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date';
const rootWithoutMfa = `${REPORT_HEADER}\n<root_account>,arn:aws:iam::${ACCOUNT}:root,2020-01-01T00:00:00+00:00,not_supported,N/A,not_supported,not_supported,false,false,N/A,N/A,false,N/A,N/A`;

async function scan(snapshot: AccountSnapshot, day: number): Promise<AuditResult> {
  return runAudit(snapshot, { now: new Date(Date.UTC(2025, 5, day)) });
}

const keyOf = (f: { check: string; principal: string }) => `${f.check} ${f.principal.split(':').pop()}`;

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== undefined)(`audit findings in the store: ${engine.title}`, () => {
    async function store(): Promise<Store> {
      const database = await createTestDatabase(engine.engine);
      databases.push(database);
      const s = await openStore(database.config);
      stores.push(s);
      return s;
    }

    it('a second scan reports what is new and what was resolved', async () => {
      const { db } = await store();
      const first = await recordScan(
        db,
        await scan(account({ ann: { admin }, ben: { secrets } }, ACCOUNT, rootWithoutMfa), 1),
      );
      expect(first.newFindings.map(keyOf).sort()).toEqual([
        'data-exfiltration user/ben',
        'full-admin user/ann',
        'root-without-mfa root',
      ]);
      expect(first.resolved).toEqual([]);
      expect(first.scan).toMatchObject({
        accountId: ACCOUNT,
        findings: 3,
        newFindings: 3,
        resolvedFindings: 0,
      });

      // ann is no longer an admin; cid appears; ben is unchanged; the root still has no MFA.
      const second = await recordScan(
        db,
        await scan(account({ ann: {}, ben: { secrets }, cid: { keys } }, ACCOUNT, rootWithoutMfa), 2),
      );
      expect(second.newFindings.map(keyOf).sort()).toEqual([
        'credentials-exposure user/cid',
        'privilege-escalation user/cid',
      ]);
      expect(second.resolved.map(keyOf)).toEqual(['full-admin user/ann']);
      expect(second.resolved[0]!.resolvedAt).toBe('2025-06-02T00:00:00.000Z');
      const ben = second.findings.find((f) => keyOf(f.finding) === 'data-exfiltration user/ben')!;
      expect(ben).toMatchObject({ status: 'existing', firstSeen: '2025-06-01T00:00:00.000Z' });

      // The stored findings: open ones, and with resolved ones on request.
      expect((await storedFindings(db, ACCOUNT)).map(keyOf).sort()).toEqual([
        'credentials-exposure user/cid',
        'data-exfiltration user/ben',
        'privilege-escalation user/cid',
        'root-without-mfa root',
      ]);
      const all = await storedFindings(db, ACCOUNT, { includeResolved: true });
      expect(all.find((f) => f.check === 'full-admin')).toMatchObject({
        firstSeen: '2025-06-01T00:00:00.000Z',
        lastSeen: '2025-06-01T00:00:00.000Z',
        resolvedAt: '2025-06-02T00:00:00.000Z',
      });
      expect(all.find((f) => f.check === 'data-exfiltration')?.lastSeen).toBe('2025-06-02T00:00:00.000Z');

      // ann is an admin again: a new finding again, with a new first-seen date.
      const third = await recordScan(
        db,
        await scan(account({ ann: { admin }, ben: { secrets }, cid: { keys } }, ACCOUNT, rootWithoutMfa), 3),
      );
      expect(third.newFindings.map(keyOf)).toEqual(['full-admin user/ann']);
      expect(third.findings.find((f) => f.finding.check === 'full-admin')?.firstSeen).toBe(
        '2025-06-03T00:00:00.000Z',
      );
      expect(third.resolved).toEqual([]);

      const scans = await listScans(db, { accountId: ACCOUNT });
      expect(scans.map((s) => [s.startedAt, s.newFindings, s.resolvedFindings])).toEqual([
        ['2025-06-03T00:00:00.000Z', 1, 0],
        ['2025-06-02T00:00:00.000Z', 2, 1],
        ['2025-06-01T00:00:00.000Z', 3, 0],
      ]);
      const statuses = await scanFindings(db, scans[1]!.id);
      expect(statuses.map((s) => s.status).sort()).toEqual([
        'existing',
        'existing',
        'new',
        'new',
        'resolved',
      ]);
    });

    it('a scan resolves only findings of checks it ran, in its own account', async () => {
      const { db } = await store();
      await recordScan(db, await scan(account({ ann: { admin } }, ACCOUNT, rootWithoutMfa), 1));
      // No credential report this time: the root finding is not resolved.
      const noReport = await recordScan(db, await scan(account({ ann: { admin } }), 2));
      expect(noReport.resolved).toEqual([]);
      // Another account's scan leaves this account's findings alone.
      const other = await recordScan(db, await scan(account({ zed: {} }, '210987654321'), 3));
      expect(other.resolved).toEqual([]);
      expect((await storedFindings(db, ACCOUNT)).map(keyOf).sort()).toEqual([
        'full-admin user/ann',
        'root-without-mfa root',
      ]);
      expect(await listScans(db, { limit: 2 })).toHaveLength(2);
    });

    it('keeps fingerprints when policies are reordered, renamed and reworded', async () => {
      const { db } = await store();
      const before = account({
        ann: {
          Admin: admin,
          Secrets: secrets,
          Keys: keys,
        },
      });
      // The same permissions: policies in another order and under other names, statements
      // merged and reordered, Sids changed, whitespace changed, an extra harmless statement.
      const after = account({
        ann: {
          ZKeysAndSecrets: JSON.stringify(
            doc(
              { Sid: 'Other', Effect: 'Allow', Action: ['iam:CreateAccessKey'], Resource: ['*'] },
              { Sid: 'SecretsRead', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' },
              { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
            ),
            null,
            4,
          ),
          AEverything: doc({ Sid: 'All', Effect: 'Allow', Action: ['*'], Resource: '*' }),
        },
      });
      const first = await scan(before, 1);
      const second = await scan(after, 2);
      expect(second.findings.map((f) => f.fingerprint).sort()).toEqual(
        first.findings.map((f) => f.fingerprint).sort(),
      );
      await recordScan(db, first);
      const recorded = await recordScan(db, second);
      expect(recorded.newFindings).toEqual([]);
      expect(recorded.resolved).toEqual([]);
      // What changed is the evidence, which the store keeps up to date.
      const [stored] = await storedFindings(db, ACCOUNT);
      expect(JSON.stringify(stored!.evidence)).toContain('AEverything');
    });

    it('records thousands of findings in one scan', async () => {
      const { db } = await store();
      const users = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`u${i}`, { secrets, keys }]));
      const result = await scan(account(users), 1);
      expect(result.findings.length).toBeGreaterThan(1000);
      const recorded = await recordScan(db, result);
      expect(recorded.newFindings).toHaveLength(result.findings.length);
      const again = await recordScan(db, await scan(account(users), 2));
      expect(again.newFindings).toEqual([]);
      expect((await storedFindings(db, ACCOUNT)).length).toBe(result.findings.length);
    });
  });
}
