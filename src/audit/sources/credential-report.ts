// The IAM credential report: CSV with a header row, the root user first (`<root_account>`), then
// one row per user. Fields are kept as IAM writes them ('true', 'N/A', 'no_information', ISO
// dates); the credential checks interpret them.
import { AuditInputError } from '../errors.ts';
import type { CredentialReport, CredentialReportRow } from '../../analyze/index.ts';

const REQUIRED_COLUMNS = ['user', 'arn'];

/** Splits CSV text into rows of fields (RFC 4180: quoted fields may hold commas, quotes, newlines). */
export function parseCsv(text: string, source = 'the credential report'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field !== '')
        throw new AuditInputError(`${source}, line ${line}: a quote inside an unquoted field`);
      quoted = true;
    } else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endField();
      rows.push(row);
      row = [];
      line++;
    } else field += c;
  }
  if (quoted) throw new AuditInputError(`${source}, line ${line}: a quoted field is not closed`);
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  // A trailing newline leaves nothing behind; blank lines inside are not rows.
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** Reads the credential report's CSV (as `aws iam get-credential-report` decodes it). */
export function readCredentialReport(
  text: string,
  options: { readonly source?: string; readonly generatedAt?: Date } = {},
): CredentialReport {
  const source = options.source ?? 'the credential report';
  const rows = parseCsv(text, source);
  const header = rows[0];
  if (header === undefined) throw new AuditInputError(`${source} is empty`);
  const columns = header.map((h) => h.trim());
  for (const required of REQUIRED_COLUMNS) {
    if (!columns.includes(required)) {
      throw new AuditInputError(
        `${source}: the header has no "${required}" column; is this an IAM credential report?`,
      );
    }
  }
  const out: CredentialReportRow[] = rows.slice(1).map((cells, i) => {
    if (cells.length !== columns.length) {
      throw new AuditInputError(
        `${source}, row ${i + 2}: ${cells.length} fields where the header has ${columns.length}`,
      );
    }
    const fields: Record<string, string> = {};
    columns.forEach((c, j) => (fields[c] = cells[j]!));
    if (!fields.user || !fields.arn) throw new AuditInputError(`${source}, row ${i + 2}: no user or arn`);
    return { user: fields.user, arn: fields.arn, fields };
  });
  return { rows: out, ...(options.generatedAt ? { generatedAt: options.generatedAt } : {}) };
}
