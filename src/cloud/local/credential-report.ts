// The IAM credential report: CSV with IAM's columns, the root account first, then one row per user.
// grantflow's embedded IAM has no console passwords, MFA devices, signing certificates or usage
// history, so those columns carry the values IAM writes when there are none. The account keeps one
// report, which GenerateCredentialReport renews when it is older than four hours.
import { CloudError } from '../errors.ts';
import type { CredentialReport } from '../types.ts';
import type { IamContext } from './context.ts';
import { sortByKey } from './pages.ts';

/** IAM hands out a fresh credential report at most every four hours. */
const REPORT_LIFETIME_MS = 4 * 60 * 60 * 1000;

export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

export interface ReportUser {
  readonly name: string;
  readonly arn: string;
  readonly createDate: string;
  /** Up to two access keys, oldest first. */
  readonly accessKeys: readonly { readonly active: boolean; readonly createDate: string }[];
}

/** IAM writes report times as ISO 8601 with seconds and an explicit +00:00 offset. */
export function reportTime(iso: string): string {
  return `${iso.slice(0, 19)}+00:00`;
}

function keyColumns(key: ReportUser['accessKeys'][number] | undefined): string[] {
  return key
    ? [String(key.active), reportTime(key.createDate), 'N/A', 'N/A', 'N/A']
    : ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
}

export function credentialReportCsv(
  account: { arn: string; createDate: string },
  users: readonly ReportUser[],
): string {
  const rows: string[][] = [[...CREDENTIAL_REPORT_COLUMNS]];
  rows.push([
    '<root_account>',
    account.arn,
    reportTime(account.createDate),
    'not_supported',
    'no_information',
    'not_supported',
    'not_supported',
    'false',
    ...keyColumns(undefined),
    ...keyColumns(undefined),
    'false',
    'N/A',
    'false',
    'N/A',
  ]);
  for (const user of users) {
    rows.push([
      user.name,
      user.arn,
      reportTime(user.createDate),
      'false',
      'N/A',
      'N/A',
      'N/A',
      'false',
      ...keyColumns(user.accessKeys[0]),
      ...keyColumns(user.accessKeys[1]),
      'false',
      'N/A',
      'false',
      'N/A',
    ]);
  }
  // Names may contain commas ([\w+=,.@-]), so such fields are quoted.
  return rows.map((row) => row.map(csvField).join(',')).join('\n');
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export async function generateCredentialReport(
  iam: IamContext,
): Promise<{ State: 'STARTED' | 'COMPLETE'; Description: string }> {
  return iam.write(async (trx) => {
    const now = iam.clock();
    const existing = await trx.selectFrom('iam_credential_report').selectAll().executeTakeFirst();
    if (existing && now.getTime() - Date.parse(existing.generated_at) < REPORT_LIFETIME_MS) {
      return { State: 'COMPLETE' as const, Description: 'The credential report is ready.' };
    }
    const users = await trx.selectFrom('iam_users').selectAll().execute();
    const keys = await trx.selectFrom('iam_access_keys').selectAll().execute();
    const content = credentialReportCsv(
      { arn: iam.rootArn, createDate: iam.accountCreated },
      sortByKey(users, (u) => u.name_key).map((u) => ({
        name: u.name,
        arn: u.arn,
        createDate: u.create_date,
        accessKeys: sortByKey(
          keys.filter((k) => k.user_key === u.name_key),
          (k) => `${k.create_date}\u0000${k.access_key_id}`,
        ).map((k) => ({ active: k.status === 'Active', createDate: k.create_date })),
      })),
    );
    const generated = { generated_at: now.toISOString(), content };
    await iam.upsert(
      trx.insertInto('iam_credential_report').values({ id: 1, ...generated }),
      ['id'],
      generated,
    );
    return {
      State: 'STARTED' as const,
      Description: existing
        ? 'The report was older than four hours; a new one is being generated.'
        : 'No report exists yet; generating one.',
    };
  });
}

export async function getCredentialReport(iam: IamContext): Promise<CredentialReport> {
  const row = await iam.db.selectFrom('iam_credential_report').selectAll().executeTakeFirst();
  if (!row) {
    throw new CloudError(
      'ReportNotPresent',
      'No credential report exists; call GenerateCredentialReport first.',
    );
  }
  if (iam.clock().getTime() - Date.parse(row.generated_at) >= REPORT_LIFETIME_MS) {
    throw new CloudError(
      'ReportExpired',
      'The credential report is older than four hours; generate a new one.',
    );
  }
  return {
    Content: new TextEncoder().encode(row.content),
    ReportFormat: 'text/csv',
    GeneratedTime: new Date(row.generated_at),
  };
}
