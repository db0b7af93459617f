import { describe, expect, it } from 'vitest';
import type { CredentialReportRow } from '../../analyze/index.ts';
import { credentialChecks } from './credentials.ts';

const NOW = new Date('2025-06-01T00:00:00Z');
const ACCOUNT = '111122223333';

function row(user: string, fields: Record<string, string>): CredentialReportRow {
  const arn =
    user === '<root_account>' ? `arn:aws:iam::${ACCOUNT}:root` : `arn:aws:iam::${ACCOUNT}:user/${user}`;
  const base: Record<string, string> = {
    user,
    arn,
    user_creation_time: '2020-01-01T00:00:00+00:00',
    password_enabled: 'false',
    password_last_used: 'N/A',
    password_last_changed: 'N/A',
    mfa_active: 'true',
    access_key_1_active: 'false',
    access_key_1_last_rotated: 'N/A',
    access_key_1_last_used_date: 'N/A',
    access_key_2_active: 'false',
    access_key_2_last_rotated: 'N/A',
    access_key_2_last_used_date: 'N/A',
  };
  return { user, arn, fields: { ...base, ...fields } };
}

const checks = (rows: CredentialReportRow[]) =>
  credentialChecks({ rows }, NOW)
    .map((f) => `${f.check}:${f.principal.split(':').pop()}`)
    .sort();

describe('credential report checks', () => {
  it('finds nothing for a root with MFA and a user with fresh, used credentials', () => {
    expect(
      checks([
        row('<root_account>', { password_enabled: 'not_supported' }),
        row('ok', {
          password_enabled: 'true',
          password_last_used: '2025-05-30T00:00:00+00:00',
          access_key_1_active: 'true',
          access_key_1_last_rotated: '2025-04-01T00:00:00+00:00',
          access_key_1_last_used_date: '2025-05-31T00:00:00+00:00',
        }),
      ]),
    ).toEqual([]);
  });

  it('reports root access keys (each key) and root without MFA', () => {
    const found = credentialChecks(
      {
        rows: [
          row('<root_account>', {
            mfa_active: 'false',
            access_key_1_active: 'true',
            access_key_1_last_rotated: '2025-05-01T00:00:00+00:00',
            access_key_2_active: 'true',
            access_key_2_last_rotated: '2025-05-02T00:00:00+00:00',
          }),
        ],
      },
      NOW,
    );
    expect(found.map((f) => [f.check, f.severity, f.principalType])).toEqual([
      ['root-without-mfa', 'critical', 'root'],
      ['root-access-key', 'critical', 'root'],
      ['root-access-key', 'critical', 'root'],
    ]);
    expect(new Set(found.map((f) => f.fingerprint)).size).toBe(3);
  });

  it('reports console users without MFA, and not users without a password', () => {
    expect(
      checks([
        row('console', {
          password_enabled: 'true',
          mfa_active: 'false',
          password_last_used: '2025-05-30T00:00:00+00:00',
        }),
        row('api', { mfa_active: 'false' }),
      ]),
    ).toEqual(['console-without-mfa:user/console']);
  });

  it('reports old, unused and doubled access keys', () => {
    expect(
      checks([
        row('old', {
          access_key_1_active: 'true',
          access_key_1_last_rotated: '2025-01-01T00:00:00+00:00',
          access_key_1_last_used_date: '2025-05-31T00:00:00+00:00',
        }),
        row('idle', {
          access_key_1_active: 'true',
          access_key_1_last_rotated: '2025-04-01T00:00:00+00:00',
          access_key_1_last_used_date: '2025-04-02T00:00:00+00:00',
        }),
        row('never', { access_key_2_active: 'true', access_key_2_last_rotated: '2025-04-01T00:00:00+00:00' }),
        row('inactive', {
          access_key_1_active: 'false',
          access_key_1_last_rotated: '2019-01-01T00:00:00+00:00',
        }),
        row('two', {
          access_key_1_active: 'true',
          access_key_1_last_rotated: '2025-05-01T00:00:00+00:00',
          access_key_1_last_used_date: '2025-05-31T00:00:00+00:00',
          access_key_2_active: 'true',
          access_key_2_last_rotated: '2025-05-20T00:00:00+00:00',
          access_key_2_last_used_date: '2025-05-31T00:00:00+00:00',
        }),
      ]),
    ).toEqual([
      'access-key-not-rotated:user/old',
      'access-key-unused:user/idle',
      'access-key-unused:user/never',
      'two-active-access-keys:user/two',
    ]);
  });

  it('reports passwords not used for 45 days or never used', () => {
    expect(
      checks([
        row('stale', { password_enabled: 'true', password_last_used: '2025-03-01T00:00:00+00:00' }),
        row('never', {
          password_enabled: 'true',
          password_last_used: 'no_information',
          password_last_changed: '2025-01-01T00:00:00+00:00',
        }),
        row('new', {
          password_enabled: 'true',
          password_last_used: 'no_information',
          user_creation_time: '2025-05-25T00:00:00+00:00',
        }),
      ]),
    ).toEqual(['password-unused:user/never', 'password-unused:user/stale']);
  });

  it('a rotated key is a new finding: the rotation date is part of the fingerprint', () => {
    const key = (rotated: string) =>
      credentialChecks(
        {
          rows: [
            row('old', {
              access_key_1_active: 'true',
              access_key_1_last_rotated: rotated,
              access_key_1_last_used_date: '2025-05-31T00:00:00+00:00',
            }),
          ],
        },
        NOW,
      )[0]!.fingerprint;
    expect(key('2024-01-01T00:00:00+00:00')).toBe(key('2024-01-01T00:00:00+00:00'));
    expect(key('2024-01-01T00:00:00+00:00')).not.toBe(key('2024-02-01T00:00:00+00:00'));
  });
});
