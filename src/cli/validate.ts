// `grantflow validate`: Access Analyzer-style policy validation from the command line.
import { parseArgs } from 'node:util';
import { POLICY_TYPES } from '../policy/index.ts';
import type { PolicyType } from '../policy/index.ts';
import { ALL_CHECKS, FINDING_TYPES, validatePolicy } from '../validate/index.ts';
import type { FindingType, PolicyKind } from '../validate/index.ts';
import { formatJson, formatSarif, formatText } from '../validate/format/index.ts';
import type { FileReport } from '../validate/format/index.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, listOption, oneOf, readInputFile } from './io.ts';
import type { CliIo } from './io.ts';

const FORMATS = ['text', 'json', 'sarif'] as const;
const POLICY_KINDS: readonly PolicyKind[] = ['managed', 'inline-user', 'inline-group', 'inline-role'];

const HELP = `Usage: grantflow validate [FILE...] [options]

Validates IAM policy documents the way IAM Access Analyzer's ValidatePolicy does, offline,
plus grantflow's own security checks. Reads standard input when no FILE (or "-") is given.

Options:
  --policy-type TYPE     identity (default), resource, trust, scp, rcp, boundary, session
  --policy-kind KIND     size quota for identity policies: managed (default), inline-user,
                         inline-group, inline-role
  --format FORMAT        text (default), json, sarif
  --fail-on TYPES        finding types that make the exit code 1, comma-separated
                         (default: error,security_warning; "none" never fails)
  --ignore-finding CODE  leave out findings with this issue code (repeatable, comma-separated)
  --list-checks          list every check with its issue code and finding type

Exit codes: 0 no blocking finding, 1 a blocking finding, 2 bad usage or unreadable input.
`;

export const validateCommand: Command = {
  help: HELP,
  run: runValidate,
};

async function runValidate(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'policy-type': { type: 'string' },
      'policy-kind': { type: 'string' },
      format: { type: 'string' },
      'fail-on': { type: 'string', multiple: true },
      'ignore-finding': { type: 'string', multiple: true },
      'list-checks': { type: 'boolean' },
    },
  });
  const format = oneOf('format', values.format, FORMATS, 'text');
  if (values['list-checks']) {
    io.stdout.write(listChecks(format));
    return EXIT.ok;
  }
  const policyType = oneOf<PolicyType>('policy-type', values['policy-type'], POLICY_TYPES, 'identity');
  const policyKind = oneOf<PolicyKind>('policy-kind', values['policy-kind'], POLICY_KINDS, 'managed');
  const failOn = parseFailOn(values['fail-on']);
  const ignoreFindings = listOption(values['ignore-finding']).map((c) => c.toUpperCase());

  const files = positionals.length > 0 ? positionals : ['-'];
  if (files.filter((f) => f === '-').length > 1)
    throw new UsageError('standard input ("-") can be read only once');
  // Read everything first: an unreadable input is a usage error, reported before any output.
  const inputs = await Promise.all(
    files.map(async (file) =>
      file === '-'
        ? { file: '<stdin>', text: await io.readStdin() }
        : { file, text: await readInputFile(file) },
    ),
  );

  const reports: FileReport[] = inputs.map(({ file, text }) => ({
    file,
    policyType,
    text,
    findings: validatePolicy(text, { policyType, policyKind, ignoreFindings }).findings,
  }));

  if (format === 'json') io.stdout.write(formatJson(reports));
  else if (format === 'sarif') io.stdout.write(formatSarif(reports, { checks: ALL_CHECKS }));
  else io.stdout.write(formatText(reports, { color: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR }));

  const blocking = reports.some((r) => r.findings.some((f) => failOn.has(f.findingType)));
  return blocking ? EXIT.checkFailed : EXIT.ok;
}

function parseFailOn(raw: string[] | undefined): Set<FindingType> {
  const parts = listOption(raw).map((p) => p.toUpperCase());
  if (parts.length === 0) return new Set(['ERROR', 'SECURITY_WARNING']);
  if (parts.length === 1 && parts[0] === 'NONE') return new Set();
  for (const p of parts) {
    if (!(FINDING_TYPES as readonly string[]).includes(p)) {
      throw new UsageError(
        `--fail-on takes finding types from ${FINDING_TYPES.map((t) => t.toLowerCase()).join(', ')} or none (got "${p.toLowerCase()}")`,
      );
    }
  }
  return new Set(parts as FindingType[]);
}

function listChecks(format: (typeof FORMATS)[number]): string {
  const rows = ALL_CHECKS.map((c) => ({
    issueCode: c.issueCode,
    findingType: c.findingType,
    family: c.family,
    policyTypes: c.policyTypes ?? POLICY_TYPES,
    summary: c.summary,
    learnMoreLink: c.learnMoreLink,
  }));
  if (format !== 'text') return `${JSON.stringify(rows, null, 2)}\n`;
  return `${rows.map((r) => `${r.issueCode.padEnd(44)} ${r.findingType.padEnd(16)} ${r.family.padEnd(13)} ${r.summary}`).join('\n')}\n`;
}
