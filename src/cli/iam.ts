// `grantflow iam`: create and inspect users, roles, groups and policies in the embedded IAM (or in
// AWS with --backend aws), with the AWS CLI's subcommand and option names.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import {
  LocalIamBackend,
  SEED_DATE,
  backendConfigFor,
  isCloudError,
  openBackend,
  paginate,
  seedSampleAccount,
  seededRandomBytes,
} from '../cloud/index.ts';
import type { IamBackend, PageOutput } from '../cloud/index.ts';
import { openStore } from '../store/index.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, oneOf, readInputFile } from './io.ts';
import type { CliIo } from './io.ts';

type OptionType = 'string' | 'document' | 'number' | 'boolean' | 'tags' | 'list';

interface Operation {
  /** The IamBackend method. */
  readonly method: keyof IamBackend;
  /** AWS CLI option name → [input member, type]. */
  readonly options: Readonly<Record<string, readonly [string, OptionType]>>;
  readonly required?: readonly string[];
  /** For list operations: the member holding the items, so every page is fetched. */
  readonly items?: string;
  readonly summary: string;
}

const NAME = {
  'user-name': ['UserName', 'string'],
  'group-name': ['GroupName', 'string'],
  'role-name': ['RoleName', 'string'],
} as const;
const ARN = { 'policy-arn': ['PolicyArn', 'string'] } as const;
const PATH = { path: ['Path', 'string'] } as const;
const PREFIX = { 'path-prefix': ['PathPrefix', 'string'] } as const;
const TAGS = { tag: ['Tags', 'tags'] } as const;

function entityOps(
  kind: 'user' | 'group' | 'role',
  Kind: 'User' | 'Group' | 'Role',
): Record<string, Operation> {
  const flag = `${kind}-name` as const;
  const name = { [flag]: NAME[flag] };
  return {
    [`attach-${kind}-policy`]: {
      method: `attach${Kind}Policy`,
      options: { ...name, ...ARN },
      required: [flag, 'policy-arn'],
      summary: `Attach a managed policy to a ${kind}`,
    },
    [`detach-${kind}-policy`]: {
      method: `detach${Kind}Policy`,
      options: { ...name, ...ARN },
      required: [flag, 'policy-arn'],
      summary: `Detach a managed policy from a ${kind}`,
    },
    [`list-attached-${kind}-policies`]: {
      method: `listAttached${Kind}Policies`,
      options: { ...name, ...PREFIX },
      required: [flag],
      items: 'AttachedPolicies',
      summary: `List the managed policies attached to a ${kind}`,
    },
    [`put-${kind}-policy`]: {
      method: `put${Kind}Policy`,
      options: {
        ...name,
        'policy-name': ['PolicyName', 'string'],
        'policy-document': ['PolicyDocument', 'document'],
      },
      required: [flag, 'policy-name', 'policy-document'],
      summary: `Add or replace an inline policy of a ${kind}`,
    },
    [`get-${kind}-policy`]: {
      method: `get${Kind}Policy`,
      options: { ...name, 'policy-name': ['PolicyName', 'string'] },
      required: [flag, 'policy-name'],
      summary: `Show an inline policy of a ${kind}`,
    },
    [`delete-${kind}-policy`]: {
      method: `delete${Kind}Policy`,
      options: { ...name, 'policy-name': ['PolicyName', 'string'] },
      required: [flag, 'policy-name'],
      summary: `Delete an inline policy of a ${kind}`,
    },
    [`list-${kind}-policies`]: {
      method: `list${Kind}Policies`,
      options: name,
      required: [flag],
      items: 'PolicyNames',
      summary: `List the inline policy names of a ${kind}`,
    },
    [`get-${kind}`]: {
      method: `get${Kind}`,
      options: name,
      required: [flag],
      ...(kind === 'group' ? { items: 'Users' } : {}),
      summary: `Show a ${kind}`,
    },
    [`delete-${kind}`]: {
      method: `delete${Kind}`,
      options: name,
      required: [flag],
      summary: `Delete a ${kind}`,
    },
    [`list-${kind}s`]: {
      method: `list${Kind}s`,
      options: PREFIX,
      items: `${Kind}s`,
      summary: `List ${kind}s`,
    },
  } as Record<string, Operation>;
}

const OPERATIONS: Record<string, Operation> = {
  'create-user': {
    method: 'createUser',
    options: { 'user-name': NAME['user-name'], ...PATH, ...TAGS },
    required: ['user-name'],
    summary: 'Create a user',
  },
  'create-group': {
    method: 'createGroup',
    options: { 'group-name': NAME['group-name'], ...PATH },
    required: ['group-name'],
    summary: 'Create a group',
  },
  'create-role': {
    method: 'createRole',
    options: {
      'role-name': NAME['role-name'],
      'assume-role-policy-document': ['AssumeRolePolicyDocument', 'document'],
      ...PATH,
      description: ['Description', 'string'],
      'max-session-duration': ['MaxSessionDuration', 'number'],
      ...TAGS,
    },
    required: ['role-name', 'assume-role-policy-document'],
    summary: 'Create a role with its trust policy',
  },
  'add-user-to-group': {
    method: 'addUserToGroup',
    options: { 'group-name': NAME['group-name'], 'user-name': NAME['user-name'] },
    required: ['group-name', 'user-name'],
    summary: 'Add a user to a group',
  },
  'remove-user-from-group': {
    method: 'removeUserFromGroup',
    options: { 'group-name': NAME['group-name'], 'user-name': NAME['user-name'] },
    required: ['group-name', 'user-name'],
    summary: 'Remove a user from a group',
  },
  'list-groups-for-user': {
    method: 'listGroupsForUser',
    options: { 'user-name': NAME['user-name'] },
    required: ['user-name'],
    items: 'Groups',
    summary: "List a user's groups",
  },
  'create-access-key': {
    method: 'createAccessKey',
    options: { 'user-name': NAME['user-name'] },
    required: ['user-name'],
    summary: 'Create an access key for a user (prints the secret once)',
  },
  'delete-access-key': {
    method: 'deleteAccessKey',
    options: { 'user-name': NAME['user-name'], 'access-key-id': ['AccessKeyId', 'string'] },
    required: ['user-name', 'access-key-id'],
    summary: "Delete a user's access key",
  },
  'list-access-keys': {
    method: 'listAccessKeys',
    options: { 'user-name': NAME['user-name'] },
    required: ['user-name'],
    items: 'AccessKeyMetadata',
    summary: "List a user's access keys",
  },
  'create-policy': {
    method: 'createPolicy',
    options: {
      'policy-name': ['PolicyName', 'string'],
      'policy-document': ['PolicyDocument', 'document'],
      ...PATH,
      description: ['Description', 'string'],
      ...TAGS,
    },
    required: ['policy-name', 'policy-document'],
    summary: 'Create a customer managed policy',
  },
  'get-policy': {
    method: 'getPolicy',
    options: ARN,
    required: ['policy-arn'],
    summary: 'Show a managed policy',
  },
  'delete-policy': {
    method: 'deletePolicy',
    options: ARN,
    required: ['policy-arn'],
    summary: 'Delete a managed policy',
  },
  'list-policies': {
    method: 'listPolicies',
    options: { scope: ['Scope', 'string'], 'only-attached': ['OnlyAttached', 'boolean'], ...PREFIX },
    items: 'Policies',
    summary: 'List managed policies',
  },
  'create-policy-version': {
    method: 'createPolicyVersion',
    options: {
      ...ARN,
      'policy-document': ['PolicyDocument', 'document'],
      'set-as-default': ['SetAsDefault', 'boolean'],
    },
    required: ['policy-arn', 'policy-document'],
    summary: 'Add a version to a managed policy',
  },
  'get-policy-version': {
    method: 'getPolicyVersion',
    options: { ...ARN, 'version-id': ['VersionId', 'string'] },
    required: ['policy-arn', 'version-id'],
    summary: 'Show one version of a managed policy with its document',
  },
  'list-policy-versions': {
    method: 'listPolicyVersions',
    options: ARN,
    required: ['policy-arn'],
    items: 'Versions',
    summary: "List a managed policy's versions",
  },
  'delete-policy-version': {
    method: 'deletePolicyVersion',
    options: { ...ARN, 'version-id': ['VersionId', 'string'] },
    required: ['policy-arn', 'version-id'],
    summary: 'Delete a non-default version of a managed policy',
  },
  'tag-policy': {
    method: 'tagPolicy',
    options: { ...ARN, ...TAGS },
    required: ['policy-arn', 'tag'],
    summary: 'Tag a managed policy',
  },
  'untag-policy': {
    method: 'untagPolicy',
    options: { ...ARN, 'tag-key': ['TagKeys', 'list'] },
    required: ['policy-arn', 'tag-key'],
    summary: 'Remove tags from a managed policy',
  },
  'list-policy-tags': {
    method: 'listPolicyTags',
    options: ARN,
    required: ['policy-arn'],
    items: 'Tags',
    summary: "List a managed policy's tags",
  },
  'list-entities-for-policy': {
    method: 'listEntitiesForPolicy',
    options: { ...ARN, 'entity-filter': ['EntityFilter', 'string'], ...PREFIX },
    required: ['policy-arn'],
    summary: 'List the users, groups and roles a managed policy is attached to',
  },
  ...entityOps('user', 'User'),
  ...entityOps('group', 'Group'),
  ...entityOps('role', 'Role'),
  'get-account-authorization-details': {
    method: 'getAccountAuthorizationDetails',
    options: { filter: ['Filter', 'list'] },
    summary: 'Show every user, group, role and managed policy with their relationships',
  },
  'generate-credential-report': {
    method: 'generateCredentialReport',
    options: {},
    summary: 'Generate the credential report',
  },
  'get-credential-report': {
    method: 'getCredentialReport',
    options: {},
    summary: 'Print the credential report (CSV)',
  },
  'get-caller-identity': {
    method: 'getCallerIdentity',
    options: {},
    summary: 'Show who the calls are made as (STS)',
  },
};

const FORMATS = ['text', 'json'] as const;
const COMMON_OPTIONS = {
  'data-dir': { type: 'string' },
  format: { type: 'string' },
  backend: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'max-items': { type: 'string' },
  'starting-token': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const HELP = `Usage: grantflow iam <subcommand> [options]

Works on the embedded IAM in the data directory (./.grantflow, or --data-dir, or
GRANTFLOW_DATA_DIR), or on AWS with --backend aws (standard credentials and region;
--endpoint URL for an AWS-compatible endpoint such as \`grantflow emulator\`).
Options take the AWS CLI's names: --user-name, --policy-arn, --policy-document …
A document is inline JSON, file://PATH, a file path, or - for standard input.
Tags are --tag KEY=VALUE (repeatable).

Subcommands:
${[
  ...Object.entries(OPERATIONS).map(([name, op]) => `  ${name.padEnd(34)} ${op.summary}`),
  `  ${'list-messages'.padEnd(34)} List messages published to SNS through the embedded backend`,
  `  ${'seed'.padEnd(34)} Load a small sample account into the embedded IAM`,
].join('\n')}

Common options:
  --format FORMAT      text (default) or json
  --data-dir DIR       where the embedded IAM keeps its data
  --backend KIND       local (default) or aws (or GRANTFLOW_BACKEND)
  --endpoint URL       with --backend aws: send calls to this endpoint
  --region REGION      with --backend aws
  --max-items N        list one page of at most N items (default: every page)
  --starting-token M   continue a list from the Marker a previous page printed

Exit codes: 0 done, 1 access denied, 2 bad usage or a request IAM refused, 3 runtime failure.
`;

export const iamCommand: Command = {
  help: HELP,
  run: runIam,
};

async function runIam(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new UsageError('name a subcommand; see grantflow iam --help');
  if (sub === 'seed') return runSeed(rest, io);
  if (sub === 'list-messages') return runListMessages(rest, io);
  const op = Object.hasOwn(OPERATIONS, sub) ? OPERATIONS[sub] : undefined;
  if (!op) throw new UsageError(`unknown subcommand "${sub}"; see grantflow iam --help`);

  const options: NonNullable<ParseArgsConfig['options']> = { ...COMMON_OPTIONS };
  for (const [flag, [, type]] of Object.entries(op.options)) {
    options[flag] =
      type === 'boolean'
        ? { type: 'boolean' }
        : { type: 'string', multiple: type === 'tags' || type === 'list' };
  }
  const { values } = parseArgs({ args: rest, options, allowPositionals: false });
  const format = oneOf('format', values.format as string | undefined, FORMATS, 'text');
  for (const flag of op.required ?? []) {
    if (values[flag] === undefined) throw new UsageError(`--${flag} is required`);
  }
  const input: Record<string, unknown> = {};
  for (const [flag, [member, type]] of Object.entries(op.options)) {
    const value = values[flag];
    if (value === undefined) continue;
    input[member] = await optionValue(flag, type, value, io);
  }
  const maxItems = values['max-items'] as string | undefined;
  if (maxItems !== undefined) {
    if (!/^\d+$/.test(maxItems))
      throw new UsageError(`--max-items must be a whole number (got "${maxItems}")`);
    input.MaxItems = Number(maxItems);
  }
  if (values['starting-token'] !== undefined) input.Marker = values['starting-token'];

  const backend = await openBackend(
    backendConfigFor({
      backend: values.backend as string | undefined,
      dataDir: values['data-dir'] as string | undefined,
      endpoint: values.endpoint as string | undefined,
      region: values.region as string | undefined,
      env: io.env,
      cwd: io.cwd,
    }),
  );
  try {
    const call = (backend[op.method] as (i: unknown) => Promise<unknown>).bind(backend);
    let result: unknown;
    if (op.items && maxItems === undefined) {
      // Every page, merged into one result shaped like a single untruncated page.
      const pages: Record<string, unknown>[] = [];
      for await (const page of paginate(call as (i: object) => Promise<PageOutput>, input)) {
        pages.push(page as unknown as Record<string, unknown>);
      }
      const items = pages.flatMap((p) => (p[op.items!] as unknown[]) ?? []);
      result = {
        ...pages[pages.length - 1],
        ...pages[0],
        [op.items]: items,
        IsTruncated: false,
        Marker: undefined,
      };
    } else {
      result = await call(
        op.method === 'getCallerIdentity' || op.method.endsWith('CredentialReport') ? undefined : input,
      );
    }
    writeResult(io, format, op.method, result);
    return EXIT.ok;
  } catch (err) {
    return reportCloudError(io, err);
  } finally {
    await backend.close();
  }
}

async function optionValue(flag: string, type: OptionType, value: unknown, io: CliIo): Promise<unknown> {
  switch (type) {
    case 'string':
    case 'boolean':
      return value;
    case 'number': {
      const text = String(value);
      if (!/^-?\d+$/.test(text)) throw new UsageError(`--${flag} must be a whole number (got "${text}")`);
      return Number(text);
    }
    case 'document':
      return readDocument(flag, String(value), io);
    case 'list':
      return (value as string[])
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean);
    case 'tags':
      return (value as string[]).map((pair) => {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new UsageError(`--${flag} takes KEY=VALUE (got "${pair}")`);
        return { Key: pair.slice(0, eq), Value: pair.slice(eq + 1) };
      });
  }
}

/** A policy document option: inline JSON, file://PATH, a path, or - for standard input. */
async function readDocument(flag: string, value: string, io: CliIo): Promise<string> {
  if (value === '-') return io.readStdin();
  if (value.trimStart().startsWith('{')) return value;
  const path = value.startsWith('file://') ? value.slice('file://'.length) : value;
  if (path === '') throw new UsageError(`--${flag} needs a document, a file or -`);
  const { resolve } = await import('node:path');
  return readInputFile(resolve(io.cwd, path));
}

/** Exit code for a failed call: 1 denied, 2 a request IAM refused, 3 the service or network failed. */
function reportCloudError(io: CliIo, err: unknown): number {
  if (!isCloudError(err)) throw err;
  io.stderr.write(`grantflow iam: ${err.code}: ${err.message}\n`);
  if (err.code === 'AccessDenied' || err.code === 'AuthorizationError') return EXIT.checkFailed;
  return err.type === 'Sender' ? EXIT.usage : EXIT.runtime;
}

const DOCUMENT_MEMBERS = new Set(['PolicyDocument', 'AssumeRolePolicyDocument', 'Document']);

/** JSON output shows documents as JSON (as the AWS CLI does) and the report as its CSV text. */
function forJson(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && DOCUMENT_MEMBERS.has(key)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => forJson(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, forJson(v, k)]),
    );
  }
  return value;
}

function writeResult(io: CliIo, format: (typeof FORMATS)[number], method: string, result: unknown): void {
  if (method === 'getCredentialReport' && format === 'text') {
    io.stdout.write(`${new TextDecoder().decode((result as { Content: Uint8Array }).Content)}\n`);
    return;
  }
  if (result === undefined) {
    if (format === 'json') io.stdout.write('{}\n');
    return;
  }
  const shaped = forJson(result);
  io.stdout.write(format === 'json' ? `${JSON.stringify(shaped, null, 2)}\n` : renderText(shaped));
}

/** An indented outline: `Key: value` for scalars, nested blocks for objects and lists. */
export function renderText(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}(none)\n`;
    return value
      .map((item) => {
        if (item && typeof item === 'object') {
          const body = renderText(item, `${indent}  `);
          return `${indent}- ${body.trimStart()}`;
        }
        return `${indent}- ${String(item)}\n`;
      })
      .join('');
  }
  if (value && typeof value === 'object') {
    let out = '';
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (v && typeof v === 'object') {
        if (DOCUMENT_MEMBERS.has(k)) {
          const json = JSON.stringify(v, null, 2).replace(/\n/g, `\n${indent}  `);
          out += `${indent}${k}:\n${indent}  ${json}\n`;
        } else {
          out += `${indent}${k}:\n${renderText(v, `${indent}  `)}`;
        }
      } else {
        out += `${indent}${k}: ${String(v)}\n`;
      }
    }
    return out;
  }
  return `${indent}${String(value)}\n`;
}

async function openLocal(
  values: Record<string, unknown>,
  io: CliIo,
  seeding: boolean,
): Promise<LocalIamBackend> {
  const config = backendConfigFor({
    dataDir: values['data-dir'] as string | undefined,
    env: io.env,
    cwd: io.cwd,
    backend: 'local',
  });
  if (config.kind !== 'local') throw new UsageError('this subcommand works on the embedded IAM only');
  const store = await openStore(config.store);
  try {
    return await LocalIamBackend.open(store, {
      ownsStore: true,
      ...(seeding
        ? { clock: () => SEED_DATE, randomBytes: seededRandomBytes('grantflow-sample-account') }
        : {}),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function runSeed(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string' }, format: { type: 'string' } },
  });
  const format = oneOf('format', values.format, FORMATS, 'text');
  const backend = await openLocal(values, io, true);
  try {
    const summary = await seedSampleAccount(backend);
    if (format === 'json')
      io.stdout.write(`${JSON.stringify({ accountId: backend.accountId, ...summary }, null, 2)}\n`);
    else {
      io.stdout.write(
        `Sample account ${backend.accountId}: ${summary.created.length} created, ${summary.existing.length} already there.\n`,
      );
      for (const label of summary.created) io.stdout.write(`  + ${label}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    return reportCloudError(io, err);
  } finally {
    await backend.close();
  }
}

async function runListMessages(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string' }, format: { type: 'string' }, 'topic-arn': { type: 'string' } },
  });
  const format = oneOf('format', values.format, FORMATS, 'text');
  const backend = await openLocal(values, io, false);
  try {
    const messages = await backend.listPublishedMessages(
      values['topic-arn'] ? { TopicArn: values['topic-arn'] } : {},
    );
    const shaped = forJson({ Messages: messages });
    io.stdout.write(format === 'json' ? `${JSON.stringify(shaped, null, 2)}\n` : renderText(shaped));
    return EXIT.ok;
  } finally {
    await backend.close();
  }
}
