// `grantflow workflow export --target stepfunctions`: the definition and a CloudFormation template
// to deploy it on AWS Step Functions (with grantflow's tasks function when it has grantflow steps).
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, UsageError, oneOf, readInputFile } from './io.ts';
import type { CliIo } from './io.ts';

export const EXPORT_HELP = `Usage: grantflow workflow export --target stepfunctions --definition FILE [options]

Writes, into --out, the definition (NAME.asl.json) and a CloudFormation template
(NAME.template.json) with: the state machine (STANDARD), an execution role
whose policy is derived from the definition's Task resources (aws-sdk:iam:* → iam:<Action> on the
policies the definition creates and the users/roles it attaches them to, with an iam:PolicyARN
condition; bedrock:invokeModel → bedrock:InvokeModel on the model named; sns:publish →
sns:Publish; accessanalyzer:validatePolicy → access-analyzer:ValidatePolicy; the tasks function
→ lambda:InvokeFunction), and SNS topics for requesters and administrators with optional e-mail
subscriptions (parameters AdminEmail, RequesterEmail). Every JSONata expression is parsed with
jsonata 2.0.x, the line Step Functions runs.

A definition without grantflow steps is written exactly as read. grantflow's own steps
(arn:aws:states:::grantflow:generate|harden|record|approval|hold, as in grantflow's lifecycle)
run in grantflow's tasks function on AWS Lambda: in the written definition those Task states call
it (a direct Lambda task, or lambda:invoke.waitForTaskToken with the token in the payload), their
Arguments passed on unchanged, nothing else changed; the template adds the function (code from
TasksCodeS3Bucket/TasksCodeS3Key, the database URL from the Secrets Manager secret
DatabaseUrlSecretArn and its KMS key DatabaseUrlSecretKeyArn if it has its own, optional VPC
subnets) and its role.
Point grantflow at the stack with GRANTFLOW_STATE_MACHINE_ARN (see the README).

Options:
  --target stepfunctions   the only target
  --definition FILE        the Amazon States Language definition (QueryLanguage JSONata)
  --name NAME              the state machine name (default: from the file name)
  --out DIR                where to write (default: the current directory)
  --format text|json       what to print: a summary (default) or the report as JSON

Deploy: aws cloudformation deploy --template-file NAME.template.json --stack-name NAME \\
          --capabilities CAPABILITY_IAM --parameter-overrides AdminEmail=you@example.com

Exit codes: 0 written, 1 the definition cannot run on Step Functions (nothing written),
2 bad usage or input.
`;

export async function runWorkflowExport(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      definition: { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text');
  if (values.target === undefined) throw new UsageError('--target is required: use --target stepfunctions');
  oneOf('target', values.target, ['stepfunctions'] as const, 'stepfunctions');
  if (values.definition === undefined) throw new UsageError('--definition FILE is required');
  const text = await readInputFile(values.definition);
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`definition ${values.definition} is not valid JSON: ${(err as Error).message}`);
  }
  const name =
    values.name ??
    (basename(values.definition)
      .replace(/\.(asl\.)?json$/i, '')
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 80) ||
      'grantflow');
  const { exportStepFunctions } = await import('../workflow/export/index.ts');
  let result;
  try {
    result = exportStepFunctions(definition, { name });
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  const out = resolve(io.cwd, values.out ?? '.');
  const files = { definition: join(out, `${name}.asl.json`), template: join(out, `${name}.template.json`) };
  if (result.errors.length === 0) {
    await mkdir(out, { recursive: true });
    // Without grantflow steps, the definition byte for byte: what runs on the embedded engine runs
    // on Step Functions.
    await writeFile(
      files.definition,
      result.rewritten.length === 0 ? text : `${JSON.stringify(result.definition, null, 2)}\n`,
    );
    await writeFile(files.template, `${JSON.stringify(result.template, null, 2)}\n`);
  }
  if (format === 'json') {
    io.stdout.write(
      `${JSON.stringify(
        {
          written: result.errors.length === 0 ? files : null,
          errors: result.errors,
          tasksFunction: result.rewritten,
          expressions: result.expressions,
          actionsByResource: result.role.actionsByResource,
          rolePolicy: result.role.policy,
          notes: result.role.notes,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout.write(
      `Checked ${result.expressions.checked} JSONata expressions with jsonata 2.0.x; ${result.expressions.problems.length} do not parse.\n`,
    );
    for (const [resource, actions] of Object.entries(result.role.actionsByResource))
      io.stdout.write(`  ${resource} → ${actions.join(', ')}\n`);
    for (const t of result.rewritten)
      io.stdout.write(
        `  state "${t.state}": grantflow:${t.task} runs in the tasks function${t.waitsForToken ? ' (lambda:invoke.waitForTaskToken)' : ''}\n`,
      );
    for (const note of result.role.notes) io.stdout.write(`Note: ${note}\n`);
    if (result.errors.length === 0) io.stdout.write(`Wrote ${files.definition}\nWrote ${files.template}\n`);
  }
  for (const error of result.errors) io.stderr.write(`grantflow workflow export: ${error}\n`);
  return result.errors.length === 0 ? EXIT.ok : EXIT.checkFailed;
}
