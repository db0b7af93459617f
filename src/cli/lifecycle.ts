// The access-request lifecycle commands: `request`, `status`, `grants`, `approve`, `deny`,
// `revoke` and `demo`, on grantflow's lifecycle definition and the embedded defaults (the store
// and IAM in the data directory, the offline drafter, notifications to the log).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LocalIamBackend, isCloudError } from '../cloud/index.ts';
import type { IamBackend } from '../cloud/index.ts';
import type { Notification, Notifier } from '../notify/types.ts';
import type { HistoryEvent } from '../workflow/index.ts';
import type { LifecycleOptions, LifecycleService, RequestView } from '../workflow/lifecycle/index.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, listOption, oneOf, osUserName, readInputFile } from './io.ts';
import { openData } from './data.ts';
import type { CliIo } from './io.ts';

const COMMON_HELP = `  --data-dir DIR     where the store and embedded IAM are (default ./.grantflow)
  --format FORMAT    text (default) or json`;

const COMMON = { 'data-dir': { type: 'string' }, format: { type: 'string' } } as const;

export interface Opened {
  readonly service: LifecycleService;
  close(): Promise<void>;
}

/** Approvers and the approval timeout come from the environment (configuration, not the command line). */
function configured(io: CliIo): Pick<LifecycleOptions, 'approvers' | 'approvalTimeoutSeconds'> {
  const approvers = listOption(io.env.GRANTFLOW_APPROVERS);
  const raw = io.env.GRANTFLOW_APPROVAL_TIMEOUT_SECONDS;
  let approvalTimeoutSeconds: number | undefined;
  if (raw !== undefined && raw !== '') {
    approvalTimeoutSeconds = Number(raw);
    if (!Number.isInteger(approvalTimeoutSeconds) || approvalTimeoutSeconds < 1)
      throw new UsageError(
        `GRANTFLOW_APPROVAL_TIMEOUT_SECONDS must be a whole number of seconds (got "${raw}")`,
      );
  }
  return { approvers, ...(approvalTimeoutSeconds !== undefined ? { approvalTimeoutSeconds } : {}) };
}

export async function configuredNotifier(io: CliIo, backend: IamBackend): Promise<Notifier> {
  const { createNotifier, loadNotifyConfig } = await import('../notify/index.ts');
  const sink = {
    write: (chunk: string, done: (err?: Error | null) => void) => (io.stderr.write(chunk), done()),
  };
  return createNotifier(await loadNotifyConfig({ env: io.env, cwd: io.cwd }), {
    backend,
    stderr: sink,
    stdout: sink,
  });
}

/** The Step Functions state machine that runs the lifecycle, when GRANTFLOW_STATE_MACHINE_ARN names one. */
async function configuredStepFunctions(io: CliIo) {
  if (!io.env.GRANTFLOW_STATE_MACHINE_ARN) return undefined;
  const { stepFunctionsTargetFromEnv } = await import('../workflow/stepfunctions/target.ts');
  try {
    return stepFunctionsTargetFromEnv(io.env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export async function openLifecycle(
  dataDir: string | undefined,
  io: CliIo,
  extra: Partial<LifecycleOptions> & { notifierFor?: (backend: IamBackend) => Promise<Notifier> } = {},
): Promise<Opened> {
  const { LifecycleService } = await import('../workflow/lifecycle/index.ts');
  const stepFunctions = await configuredStepFunctions(io);
  return openData(dataDir, io, async ({ store, backend, close }) => {
    const { notifierFor, ...options } = extra;
    const notifier = notifierFor ? await notifierFor(backend) : await configuredNotifier(io, backend);
    const service = await LifecycleService.open({
      store,
      backend,
      notifier,
      ...configured(io),
      ...(stepFunctions ? { stepFunctions } : {}),
      ...options,
    });
    return {
      service,
      async close() {
        await service.stop();
        stepFunctions?.client.destroy();
        await close();
      },
    };
  });
}

/** Runs `use` with the lifecycle service of the data directory, and closes it afterwards. */
async function withLifecycle<T>(
  dataDir: string | undefined,
  io: CliIo,
  use: (service: LifecycleService) => Promise<T>,
): Promise<T> {
  const opened = await openLifecycle(dataDir, io);
  try {
    return await use(opened.service);
  } finally {
    await opened.close();
  }
}

/** Does what a person decided (approve, deny, extend), drives its request to its next wait and prints it. */
async function actAndShow(
  service: LifecycleService,
  io: CliIo,
  format: 'text' | 'json',
  act: () => Promise<RequestView>,
): Promise<number> {
  const { id } = await guarded(act);
  await service.drive(id);
  print(io, format, await service.getRequest(id));
  return EXIT.ok;
}

/** Lifecycle errors are the caller's (exit 2), except a request that is not found (also 2). */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as Error)?.name === 'LifecycleError') throw new UsageError((err as Error).message);
    throw err;
  }
}

function formatOf(values: { format?: string | undefined }) {
  return oneOf('format', values.format, ['text', 'json'] as const, 'text');
}

function viewText(v: RequestView): string {
  const lines = [
    `Request ${v.id}: ${v.status}${v.terminal ? ' (final)' : ''}`,
    `  requester: ${v.requester}`,
    `  identity:  ${v.request.target_iam_identity} ${v.request.target_iam_identity_arn}`,
    `  task:      ${JSON.stringify(v.request.requested_task)}`,
  ];
  if (v.outcome) lines.push(`  outcome:   ${v.outcome}`);
  if (v.policyArn) lines.push(`  policy:    ${v.policyArn}`);
  if (v.policyHash) lines.push(`  sha256:    ${v.policyHash}`);
  if (v.expiresAt) lines.push(`  expires:   ${v.expiresAt}`);
  if (v.extendsRequestId) lines.push(`  extends:   ${v.extendsRequestId}`);
  for (const a of v.approvals)
    lines.push(`  ${a.decision} by ${a.approver} at ${a.decidedAt}${a.reason ? `: ${a.reason}` : ''}`);
  if (v.execution)
    lines.push(
      `  execution: ${v.execution.status}${v.execution.currentState ? ` at ${v.execution.currentState}` : ''}${v.execution.error ? ` (${v.execution.error}: ${v.execution.cause ?? ''})` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

function print(io: CliIo, format: 'text' | 'json', view: RequestView | RequestView[]): void {
  if (format === 'json') io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  else if (Array.isArray(view)) {
    if (view.length === 0) io.stdout.write('No requests.\n');
    for (const v of view)
      io.stdout.write(
        `${v.id}  ${v.status.padEnd(17)} ${v.request.target_iam_identity_arn}  ${v.expiresAt ?? ''}\n`,
      );
  } else io.stdout.write(viewText(view));
}

function positional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`give one ${what}`);
  return positionals[0]!;
}

const FAILED_STATUSES = new Set([
  'refused',
  'needs_info',
  'denied',
  'expired',
  'failed',
  'revocation_failed',
]);

// ── request ─────────────────────────────────────────────────────────────────────────────────

export const requestCommand: Command = {
  help: `Usage: grantflow request --input FILE [--wait] [--requester ID] [options]

Records the request, drafts and guards its policy, and (when no approval is needed) creates the
policy under /grantflow/, attaches it and holds it until it expires; then detaches, verifies and
deletes it. Without --wait the command returns once the request waits (for an approval or for
its expiry): a later \`grantflow grants --resume\` (or any process running the lifecycle) revokes
it on time, and IAM itself stops honouring the policy at expiry.

Options:
  --input FILE       the request JSON ("-" for standard input)
  --requester ID     who asks (default the OS user name); requesters cannot approve their own requests
  --wait             stay until the request has ended
${COMMON_HELP}

Configuration: GRANTFLOW_APPROVERS (comma-separated approver ids), GRANTFLOW_APPROVAL_TIMEOUT_SECONDS.
Exit codes: 0 granted (or waiting), 1 refused, needs info, denied, expired or failed, 2 bad input.
`,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...COMMON,
        input: { type: 'string' },
        requester: { type: 'string' },
        wait: { type: 'boolean' },
      },
    });
    const format = formatOf(values);
    if (values.input === undefined)
      throw new UsageError('--input FILE is required (use "-" for standard input)');
    const text = values.input === '-' ? await io.readStdin() : await readInputFile(values.input);
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`the input ${values.input} is not valid JSON: ${(err as Error).message}`);
    }
    const requester = values.requester ?? io.env.GRANTFLOW_REQUESTER ?? osUserName();
    return withLifecycle(values['data-dir'], io, async (service) => {
      const submitted = await guarded(() => service.submitRequest(input, requester));
      if (format === 'text') io.stdout.write(`Request ${submitted.id} submitted.\n`);
      let view: RequestView;
      if (values.wait) {
        service.start();
        view = await service.settled(submitted.id);
      } else {
        await service.drive(submitted.id);
        view = await service.getRequest(submitted.id);
      }
      print(io, format, view);
      return FAILED_STATUSES.has(view.status) ? EXIT.checkFailed : EXIT.ok;
    });
  },
};

// ── status, grants ─────────────────────────────────────────────────────────────────────────

export const statusCommand: Command = {
  help: `Usage: grantflow status ID [options]\n\nOptions:\n${COMMON_HELP}\n`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, options: COMMON, allowPositionals: true });
    const format = formatOf(values);
    const id = positional(positionals, 'request id');
    return withLifecycle(values['data-dir'], io, async (service) => {
      print(io, format, await guarded(() => service.getRequest(id)));
      return EXIT.ok;
    });
  },
};

export const grantsCommand: Command = {
  help: `Usage: grantflow grants [--active] [--resume] [options]

Options:
  --active           only grants whose policy is attached (or whose revocation failed)
  --resume           first carry on every lifecycle execution that is due (e.g. revoke grants that
                     expired while no grantflow process ran), then list
${COMMON_HELP}
`,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: { ...COMMON, active: { type: 'boolean' }, resume: { type: 'boolean' } },
    });
    const format = formatOf(values);
    return withLifecycle(values['data-dir'], io, async (service) => {
      if (values.resume) await service.resumeDue();
      print(io, format, await service.listGrants({ active: values.active === true }));
      return EXIT.ok;
    });
  },
};

// ── approve, deny, revoke ──────────────────────────────────────────────────────────────────

export const approveCommand: Command = {
  help: `Usage: grantflow approve ID --approver ID [--policy-hash SHA256] [options]

The approval applies to the policy whose SHA-256 \`grantflow status ID\` shows; with
--policy-hash it is refused if the policy is not that one. Approvers are configured in
GRANTFLOW_APPROVERS; a requester cannot approve their own request.

Options:
  --approver ID      who approves
  --policy-hash H    the SHA-256 of the policy you reviewed
${COMMON_HELP}
`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...COMMON, approver: { type: 'string' }, 'policy-hash': { type: 'string' } },
      allowPositionals: true,
    });
    const format = formatOf(values);
    const id = positional(positionals, 'request id');
    if (!values.approver) throw new UsageError('--approver ID is required');
    const hash = values['policy-hash'];
    return withLifecycle(values['data-dir'], io, (service) =>
      actAndShow(service, io, format, () =>
        service.approve(id, values.approver!, hash !== undefined ? { policyHash: hash } : {}),
      ),
    );
  },
};

export const denyCommand: Command = {
  help: `Usage: grantflow deny ID --approver ID [--reason TEXT] [options]\n\nOptions:\n  --approver ID      who denies (a configured approver)\n  --reason TEXT      told to the requester\n${COMMON_HELP}\n`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...COMMON, approver: { type: 'string' }, reason: { type: 'string' } },
      allowPositionals: true,
    });
    const format = formatOf(values);
    const id = positional(positionals, 'request id');
    if (!values.approver) throw new UsageError('--approver ID is required');
    return withLifecycle(values['data-dir'], io, (service) =>
      actAndShow(service, io, format, () => service.deny(id, values.approver!, values.reason)),
    );
  },
};

export const extendCommand: Command = {
  help: `Usage: grantflow extend ID --seconds N [--actor ID] [options]

Asks for an active grant to last N seconds longer: a new request for the same policy, its end
moved N seconds past the grant's expiresAt. An extension always needs a new approval (of that
policy's SHA-256); once approved it is attached as a policy of its own and revoked at its end,
while the original grant still ends at its own. \`grantflow revoke\` on either ends both.

Options:
  --seconds N        how much longer (at most the longest grant, 12 hours by default)
  --actor ID         who asks (default the OS user name); the grant's requester stays its requester
${COMMON_HELP}
`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...COMMON, seconds: { type: 'string' }, actor: { type: 'string' } },
      allowPositionals: true,
    });
    const format = formatOf(values);
    const id = positional(positionals, 'request id');
    if (values.seconds === undefined) throw new UsageError('--seconds N is required');
    if (!/^\d+$/.test(values.seconds))
      throw new UsageError(`--seconds must be a whole number of seconds (got "${values.seconds}")`);
    return withLifecycle(values['data-dir'], io, (service) =>
      actAndShow(service, io, format, () =>
        service.extend(id, values.actor ?? osUserName(), Number(values.seconds)),
      ),
    );
  },
};

export const revokeCommand: Command = {
  help: `Usage: grantflow revoke ID [--actor ID] [options]\n\nA request still waiting for an approval is withdrawn. The grant's extensions (and the grant an\nextension extends) end with it.\n\nOptions:\n  --actor ID         who revokes (default the OS user name)\n${COMMON_HELP}\n`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...COMMON, actor: { type: 'string' } },
      allowPositionals: true,
    });
    const format = formatOf(values);
    const id = positional(positionals, 'request id');
    return withLifecycle(values['data-dir'], io, async (service) => {
      await guarded(() => service.revoke(id, values.actor ?? osUserName()));
      service.start();
      // Revoking ends the grant's whole chain of extensions: wait for every one of them.
      for (const member of await service.extensionChain(id)) await service.settled(member);
      const view = await service.getRequest(id);
      print(io, format, view);
      return view.status === 'revoked' || view.status === 'denied' ? EXIT.ok : EXIT.checkFailed;
    });
  },
};

// ── demo ───────────────────────────────────────────────────────────────────────────────────

const DEMO_INPUT = new URL('../../examples/requests/seed-translate-transcribe.json', import.meta.url);

const STEP_LINES: Record<string, string> = {
  Generate: 'policy drafted, validated and guarded (offline drafter)',
  CreatePolicy: 'policy created under /grantflow/',
  AttachUserPolicy: 'policy attached',
  AttachRolePolicy: 'policy attached',
  DetachUserPolicy: 'policy detached',
  DetachRolePolicy: 'policy detached',
  VerifyDetached: 'verified: nothing holds the policy',
  DeletePolicy: 'policy deleted',
};

export const demoCommand: Command = {
  help: `Usage: grantflow demo [--seconds N] [options]

Runs examples/requests/seed-translate-transcribe.json (with a short duration) through the whole
lifecycle on the embedded defaults: the target user is created in the embedded IAM if missing,
the policy is drafted, validated, guarded, created, attached, held, detached, verified, deleted,
and each notification is shown.

Options:
  --seconds N        how long the grant lasts (default 5, at most 3600)
${COMMON_HELP}
`,
  async run(argv, io) {
    const { values } = parseArgs({ args: argv, options: { ...COMMON, seconds: { type: 'string' } } });
    const format = formatOf(values);
    const seconds = Number(values.seconds ?? '5');
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600)
      throw new UsageError(`--seconds must be a whole number from 1 to 3600 (got "${values.seconds}")`);
    const seed = JSON.parse(await readFile(DEMO_INPUT, 'utf8')) as Record<string, unknown>;
    const input: Record<string, unknown> = { ...seed, required_attach_time: seconds };
    const steps: { at: string; step: string; detail?: string }[] = [];
    const t0 = Date.now();
    const say = (step: string, detail?: string) => {
      steps.push({ at: new Date().toISOString(), step, ...(detail ? { detail } : {}) });
      if (format === 'text')
        io.stdout.write(
          `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${step}${detail ? `: ${detail}` : ''}\n`,
        );
    };
    const demoNotifier: Notifier = {
      notify: async (n: Notification) => say(`notified ${n.audience.join(', ')}`, n.subject),
    };
    let executionId = '';
    const onEvents = (id: string, events: readonly HistoryEvent[]) => {
      if (id !== executionId) return;
      for (const e of events) {
        if (e.type === 'TaskSucceeded' && e.stateName && STEP_LINES[e.stateName])
          say(STEP_LINES[e.stateName]!);
        if (e.type === 'TaskSubmitted' && e.stateName === 'HoldUntilExpiry')
          say(`waiting ${seconds} s until the grant expires`);
        if (e.type === 'TaskTimedOut' && e.stateName === 'HoldUntilExpiry') say('grant expired: revoking');
        if (e.type === 'TaskFailed')
          say(`${e.stateName} failed`, `${String(e.details.error)} (retrying or cleaning up)`);
      }
    };
    const opened = await openLifecycle(values['data-dir'], io, {
      notifierFor: async () => demoNotifier,
      onEvents,
    });
    try {
      const { service } = opened;
      const arn = String(input.target_iam_identity_arn);
      await ensureUser(service.backend, arn.slice(arn.lastIndexOf('/') + 1));
      const requester = 'demo-requester';
      // The execution's events are shown from the moment it is created.
      const pending = service.submitRequest(input, requester);
      const submitted = await guarded(() => pending);
      executionId = submitted.id;
      say('request submitted', submitted.id);
      service.start();
      const view = await service.settled(submitted.id);
      const remaining = view.policyArn
        ? await service.backend.getPolicy({ PolicyArn: view.policyArn }).then(
            () => true,
            (err: unknown) => (isCloudError(err, 'NoSuchEntity') ? false : Promise.reject(err)),
          )
        : false;
      say(
        `request ${view.status}`,
        remaining
          ? `policy ${view.policyArn} is STILL in IAM`
          : `policy ${view.policyArn ?? '(none)'} is gone from IAM`,
      );
      if (format === 'json')
        io.stdout.write(`${JSON.stringify({ request: view, policyInIam: remaining, steps }, null, 2)}\n`);
      return view.status === 'revoked' && !remaining ? EXIT.ok : EXIT.checkFailed;
    } finally {
      await opened.close();
    }
  },
};

async function ensureUser(backend: IamBackend, name: string): Promise<void> {
  try {
    await backend.getUser({ UserName: name });
  } catch (err) {
    if (!isCloudError(err, 'NoSuchEntity')) throw err;
    if (!(backend instanceof LocalIamBackend))
      throw new UsageError(
        `the demo's user ${name} does not exist, and the demo creates users only in the embedded IAM`,
      );
    await backend.createUser({ UserName: name });
  }
}
