// The subcommands of `grantflow`; adding a command is adding an entry. Each command's module is
// loaded only when it runs, so `grantflow validate` does not pay for the AWS SDK.
import type { CliIo } from './io.ts';

export interface Command {
  /** Shown by `grantflow <command> --help`; the one-line summary is the entry's, below. */
  readonly help: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface CommandEntry {
  readonly summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  validate: {
    summary: 'Validate IAM policies like IAM Access Analyzer, offline',
    load: async () => (await import('./validate.ts')).validateCommand,
  },
  simulate: {
    summary: "Decide and explain a request with AWS's policy evaluation logic",
    load: async () => (await import('./simulate.ts')).simulateCommand,
  },
  generate: {
    summary: 'Draft, validate and guard a least-privilege policy for a request',
    load: async () => (await import('./generate.ts')).generateCommand,
  },
  iam: {
    summary: 'Create and inspect IAM users, roles, groups and policies (embedded IAM or AWS)',
    load: async () => (await import('./iam.ts')).iamCommand,
  },
  emulator: {
    summary: 'Serve the embedded IAM as a local AWS-compatible endpoint (IAM, STS, SNS)',
    load: async () => (await import('./emulator.ts')).emulatorCommand,
  },
  'audit-log': {
    summary: 'Verify the hash-chained audit log, or list its entries',
    load: async () => (await import('./audit-log.ts')).auditLogCommand,
  },
  audit: {
    summary: 'Audit IAM: admins, escalation paths, exposure, trust, credentials (file or live)',
    load: async () => (await import('./audit.ts')).auditCommand,
  },
  workflow: {
    summary: 'Run Step Functions (JSONata) state machines durably on the embedded interpreter',
    load: async () => (await import('./workflow.ts')).workflowCommand,
  },
  reconcile: {
    summary: 'Revoke overdue grants and resume overdue lifecycle executions (one reconciler pass)',
    load: async () => (await import('./reconcile.ts')).reconcileCommand,
  },
  request: {
    summary: 'Submit an access request and carry it through the lifecycle',
    load: async () => (await import('./lifecycle.ts')).requestCommand,
  },
  status: {
    summary: "Show an access request's status, policy and expiry",
    load: async () => (await import('./lifecycle.ts')).statusCommand,
  },
  grants: {
    summary: 'List access requests and grants (--active: attached now)',
    load: async () => (await import('./lifecycle.ts')).grantsCommand,
  },
  approve: {
    summary: 'Approve a request waiting for approval (bound to its exact policy)',
    load: async () => (await import('./lifecycle.ts')).approveCommand,
  },
  deny: {
    summary: 'Deny a request waiting for approval',
    load: async () => (await import('./lifecycle.ts')).denyCommand,
  },
  extend: {
    summary: 'Ask for an active grant to last longer (needs a new approval)',
    load: async () => (await import('./lifecycle.ts')).extendCommand,
  },
  revoke: {
    summary: 'End a grant now: detach, verify and delete its policy',
    load: async () => (await import('./lifecycle.ts')).revokeCommand,
  },
  serve: {
    summary: 'Run the lifecycle worker, the reconciler and scheduled audits until stopped',
    load: async () => (await import('./serve.ts')).serveCommand,
  },
  demo: {
    summary: "Run the seed's example request through the whole lifecycle in seconds",
    load: async () => (await import('./lifecycle.ts')).demoCommand,
  },
};
