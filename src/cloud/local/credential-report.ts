// The IAM credential report: CSV with IAM's columns, the root account first, then one row per user.
// grantflow's embedded IAM has no console passwords, MFA devices, signing certificates or usage
// history, so those columns carry the values IAM writes when there are none.

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
