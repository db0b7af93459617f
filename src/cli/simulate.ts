// `grantflow simulate`: AWS's authorization decision for one request, explained, or for a stream
// of JSON Lines requests in batch mode.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  PRINCIPAL_KINDS,
  PolicyInputError,
  RequestError,
  compilePolicySet,
  explain,
} from '../evaluate/index.ts';
import type {
  CompileWarning,
  ContextScalar,
  EvaluatedPolicyType,
  EvaluationRequest,
  Explanation,
  NamedPolicy,
  PolicySetInput,
  PrincipalKind,
} from '../evaluate/index.ts';
import { JsonSyntaxError, SourceText, parseJson } from '../policy/index.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, oneOf, readInputFile } from './io.ts';
import type { CliIo } from './io.ts';
import { MAX_THREADS, parseThreads, runBatch } from './simulate-batch.ts';

const FORMATS = ['text', 'json'] as const;

const HELP = `Usage: grantflow simulate --principal ARN --action ACTION --resource ARN [policies] [options]
       grantflow simulate --batch FILE.jsonl|- [--threads N]

Decides whether AWS would allow a request, following the IAM policy evaluation logic, and says why:
the outcome per policy type, the policy type that blocked, the matching statements with their
positions, and the context keys a condition needed and did not get.

Policies (each FILE is a JSON policy document):
  --policy FILE                identity-based policy of the principal (repeatable)
  --resource-policy FILE       resource-based policy (bucket policy, role trust policy, key policy…)
  --boundary FILE              permissions boundary (repeatable; each one must allow)
  --session-policy FILE        session policy of a role session or federated user
  --scp FILE[,FILE…]           service control policies of one organization level, from the root
                               down to the account: repeat the option once per level
  --rcp FILE[,FILE…]           resource control policies of one organization level (same way)
  --vpc-endpoint-policy FILE   policy of a VPC endpoint the request goes through (repeatable)

Request:
  --principal ARN              user, role, assumed-role session, federated user or root ARN; a service
                               principal (lambda.amazonaws.com); an account id; * for anonymous
  --principal-kind KIND        ${PRINCIPAL_KINDS.join(', ')}
                               (inferred from the principal when omitted)
  --session-issuer ARN         role ARN of a session (with its path), or the user who federated
  --action ACTION              service:Action
  --resource ARN               the resource ARN (or *)
  --resource-account ID        the resource's account (default: from the ARN, else the principal's)
  --context KEY=VALUE          a request context key; repeat a key for a multivalued key
                               (values are never split on commas)

Output:
  --format FORMAT              text (default) or json

Batch mode:
  --batch FILE|-               read one JSON request per line and write one JSON result per line,
                               in order; "-" reads standard input. A line:
                                 {"request": {"principal", "action", "resource", "resourceAccount"?,
                                  "principalKind"?, "sessionIssuer"?, "context"?: {key: value|[values]}},
                                  "identityPolicies"?: [...], "resourcePolicy"?: {...},
                                  "permissionsBoundaries"?: [...], "sessionPolicy"?: {...},
                                  "serviceControlPolicies"?: [[...one list per level...]],
                                  "resourceControlPolicies"?: [[...]], "vpcEndpointPolicies"?: [...]}
                               (a policy is a JSON object or its text). A result:
                                 {"decision", "blockedBy", "matchedStatements", "missingContextKeys"}
                               A line that cannot be evaluated gets {"line", "field", "error"};
                               blank lines are skipped (and counted in line numbers).
  --threads N                  threads evaluating the input at most, the main thread included:
                               1 to ${MAX_THREADS} (default: 1 and one per idle core, that is cores
                               less the load average; at most one per core, and 8). The others start
                               only for an input that would take one thread a second or more: a
                               thread is slow to start and to get its code optimized

Context keys derived when the request does not give them: aws:PrincipalArn, aws:PrincipalAccount,
aws:PrincipalType, aws:username (IAM users), aws:PrincipalIsAWSService, aws:PrincipalServiceName,
aws:ResourceAccount. Nothing else is assumed: aws:CurrentTime, aws:SourceIp… must be given.

Exit codes: 0 allowed (batch: every line evaluated), 1 denied, 2 bad usage or input (batch: a line
could not be evaluated), 3 runtime failure.
`;

export const simulateCommand: Command = {
  help: HELP,
  run: runSimulate,
};

const OPTIONS = {
  policy: { type: 'string', multiple: true },
  'resource-policy': { type: 'string' },
  boundary: { type: 'string', multiple: true },
  'session-policy': { type: 'string' },
  scp: { type: 'string', multiple: true },
  rcp: { type: 'string', multiple: true },
  'vpc-endpoint-policy': { type: 'string', multiple: true },
  principal: { type: 'string' },
  'principal-kind': { type: 'string' },
  'session-issuer': { type: 'string' },
  action: { type: 'string' },
  resource: { type: 'string' },
  'resource-account': { type: 'string' },
  context: { type: 'string', multiple: true },
  format: { type: 'string' },
  batch: { type: 'string' },
  threads: { type: 'string' },
} as const;

async function runSimulate(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.batch !== undefined) {
    const others = Object.keys(values).filter((k) => k !== 'batch' && k !== 'threads');
    if (others.length > 0) {
      throw new UsageError(
        `--batch takes its requests and policies from the input; --${others[0]} cannot be used with it`,
      );
    }
    return runBatch(values.batch, io, { threads: parseThreads(values.threads) });
  }
  if (values.threads !== undefined) throw new UsageError('--threads is for --batch only');
  const format = oneOf('format', values.format, FORMATS, 'text');
  for (const name of ['principal', 'action', 'resource'] as const) {
    if (values[name] === undefined) throw new UsageError(`--${name} is required (or use --batch)`);
  }
  const principalKind =
    values['principal-kind'] === undefined
      ? undefined
      : oneOf<PrincipalKind>('principal-kind', values['principal-kind'], PRINCIPAL_KINDS, 'user');
  const request: EvaluationRequest = {
    principal: values.principal!,
    principalKind,
    sessionIssuer: values['session-issuer'],
    action: values.action!,
    resource: values.resource!,
    resourceAccount: values['resource-account'],
    context: parseContext(values.context ?? []),
  };

  const files = new Map<string, string>();
  const read = async (file: string, field: string): Promise<NamedPolicy> => {
    files.set(field, file);
    const text = await readInputFile(resolve(io.cwd, file));
    checkPolicyText(file, text);
    return { name: file, document: text };
  };
  const readAll = (list: readonly string[] | undefined, field: string) =>
    Promise.all((list ?? []).map((f, i) => read(f, `${field}[${i}]`)));
  const readLevels = (list: readonly string[] | undefined, field: string, option: string) =>
    Promise.all(
      (list ?? []).map((level, l) => {
        const names = level.split(',').filter((f) => f.trim() !== '');
        if (names.length === 0) throw new UsageError(`--${option} needs at least one file per level`);
        return Promise.all(names.map((f, i) => read(f.trim(), `${field}[${l}][${i}]`)));
      }),
    );
  const set: PolicySetInput = {
    identityPolicies: await readAll(values.policy, 'identityPolicies'),
    resourcePolicy: values['resource-policy'] && (await read(values['resource-policy'], 'resourcePolicy')),
    permissionsBoundaries: await readAll(values.boundary, 'permissionsBoundaries'),
    sessionPolicy: values['session-policy'] && (await read(values['session-policy'], 'sessionPolicy')),
    serviceControlPolicies: await readLevels(values.scp, 'serviceControlPolicies', 'scp'),
    resourceControlPolicies: await readLevels(values.rcp, 'resourceControlPolicies', 'rcp'),
    vpcEndpointPolicies: await readAll(values['vpc-endpoint-policy'], 'vpcEndpointPolicies'),
  };

  let compiled;
  let explanation: Explanation;
  try {
    compiled = compilePolicySet(set);
    explanation = explain(compiled, request);
  } catch (err) {
    if (err instanceof PolicyInputError)
      throw new UsageError(`${files.get(err.field) ?? err.field}: ${err.detail}`);
    if (err instanceof RequestError) throw new UsageError(`--${optionOf(err.field)}: ${err.detail}`);
    throw err;
  }
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify({ ...explanation, warnings: compiled.warnings }, null, 2)}\n`);
  } else {
    for (const w of compiled.warnings) io.stderr.write(`grantflow simulate: note: ${describeWarning(w)}\n`);
    io.stdout.write(formatExplanation(explanation, request));
  }
  return explanation.decision === 'Allowed' ? EXIT.ok : EXIT.checkFailed;
}

function optionOf(field: string): string {
  if (field.startsWith('context')) return 'context';
  return (
    { principal: 'principal', action: 'action', resource: 'resource', request: 'principal' }[field] ?? field
  );
}

/** Rejects a policy file that is not JSON, naming the file and where. */
function checkPolicyText(file: string, text: string): void {
  try {
    const { root } = parseJson(text);
    if (root.type !== 'object') throw new UsageError(`${file}: a policy must be a JSON object`);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    const pos = new SourceText(text).position(err.offset);
    throw new UsageError(`${file}:${pos.line}:${pos.column + 1}: invalid JSON: ${err.message}`);
  }
}

/** `--context key=value`, repeated: a key given twice is multivalued. */
function parseContext(
  entries: readonly string[],
): Record<string, ContextScalar | ContextScalar[]> | undefined {
  if (entries.length === 0) return undefined;
  const context: Record<string, string[]> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--context takes KEY=VALUE (got "${entry}")`);
    const key = entry.slice(0, eq);
    (context[key] ??= []).push(entry.slice(eq + 1));
  }
  return Object.fromEntries(Object.entries(context).map(([k, v]) => [k, v.length === 1 ? v[0]! : v]));
}

const TYPE_NAMES: Record<EvaluatedPolicyType, string> = {
  identity: 'identity-based policies',
  resource: 'resource-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  scp: 'service control policies',
  rcp: 'resource control policies',
  vpcEndpoint: 'VPC endpoint policies',
};

function describeWarning(w: CompileWarning): string {
  const where =
    w.source ?? `${w.policyType} policy ${w.level === undefined ? '' : `level ${w.level} `}#${w.policyIndex}`;
  return `${where}${w.statementIndex === undefined ? '' : ` statement ${w.statementIndex}`}: ${w.message}`;
}

function formatExplanation(e: Explanation, request: EvaluationRequest): string {
  const out: string[] = [];
  const why =
    e.blockedBy === null
      ? ''
      : e.decision === 'ExplicitlyDenied'
        ? ` by a Deny statement in the ${TYPE_NAMES[e.blockedBy]}`
        : `: the ${TYPE_NAMES[e.blockedBy]} ${e.blockedBy === 'identity' ? 'do' : 'does'} not allow it`;
  out.push(`${e.decision}${why}`);
  out.push(
    `  principal  ${request.principal} (${e.principalKind}${e.principalAccount ? `, account ${e.principalAccount}` : ''})`,
  );
  out.push(`  action     ${request.action}`);
  out.push(
    `  resource   ${request.resource}${e.resourceAccount ? ` (account ${e.resourceAccount}${e.crossAccount ? ', cross-account' : ''})` : ''}`,
  );
  if (e.resourcePolicyRequired)
    out.push(`  the ${e.resourcePolicyRequired} must allow this principal explicitly`);
  if (e.resourceGrant !== 'none') {
    const grant = {
      direct: 'names the principal itself',
      role: "names the principal's role (still limited by boundaries and session policies)",
      account: "names only the principal's account (its identity policies must allow)",
    }[e.resourceGrant];
    out.push(`  the resource policy ${grant}`);
  }
  out.push('', 'Policy types:');
  for (const [type, outcome] of Object.entries(e.policyTypes)) {
    if (outcome !== 'Absent') out.push(`  ${type.padEnd(12)} ${outcome}`);
  }
  out.push('', e.matchedStatements.length === 0 ? 'No statement matched.' : 'Matched statements:');
  for (const m of e.matchedStatements) {
    const where = `${m.source ?? m.policyType}:${m.span.start.line}:${m.span.start.column + 1}`;
    const level = m.level === undefined ? '' : ` level ${m.level}`;
    out.push(
      `  ${where}  ${m.effect.padEnd(5)} ${m.policyType}${level}${m.sid === undefined ? '' : ` Sid "${m.sid}"`}`,
    );
  }
  if (e.missingContextKeys.length > 0)
    out.push('', `Missing context keys: ${e.missingContextKeys.join(', ')}`);
  return `${out.join('\n')}\n`;
}
