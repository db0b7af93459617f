import { describe, expect, it } from 'vitest';
import { parseCsv, readCredentialReport } from './credential-report.ts';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

describe('parseCsv', () => {
  it('reads quoted fields with commas, quotes and newlines, and CRLF line ends', () => {
    expect(parseCsv('a,"b,c","d ""e""","f\ng"\r\nh,,i\n')).toEqual([
      ['a', 'b,c', 'd "e"', 'f\ng'],
      ['h', '', 'i'],
    ]);
  });

  it('rejects an unclosed quote and a quote inside a bare field', () => {
    expect(() => parseCsv('a,"b\nc')).toThrow(/line 2: a quoted field is not closed/);
    expect(() => parseCsv('a,b"c"')).toThrow(/line 1: a quote inside an unquoted field/);
  });
});

describe('readCredentialReport', () => {
  it('reads the root row and user rows, keyed by column', () => {
    const text = [
      HEADER,
      '<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,2025-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      '"a,b","arn:aws:iam::111122223333:user/a,b",2021-01-01T00:00:00+00:00,true,no_information,2021-01-01T00:00:00+00:00,N/A,false,true,2021-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
    ].join('\n');
    const report = readCredentialReport(text, { generatedAt: new Date('2025-05-01T00:00:00Z') });
    expect(report.generatedAt?.toISOString()).toBe('2025-05-01T00:00:00.000Z');
    expect(report.rows.map((r) => r.user)).toEqual(['<root_account>', 'a,b']);
    expect(report.rows[0]!.fields.mfa_active).toBe('true');
    expect(report.rows[1]!.fields.access_key_1_last_rotated).toBe('2021-01-01T00:00:00+00:00');
  });

  it('rejects a file that is not a credential report, naming what is missing', () => {
    expect(() => readCredentialReport('')).toThrow(/is empty/);
    expect(() => readCredentialReport('name,value\nx,y', { source: 'r.csv' })).toThrow(
      /r.csv: the header has no "user" column/,
    );
    expect(() => readCredentialReport(`${HEADER}\nalice,arn:aws:iam::1:user/alice`)).toThrow(
      /row 2: 2 fields where the header has 22/,
    );
  });
});
