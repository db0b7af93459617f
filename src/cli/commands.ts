// The subcommands of `grantflow`; adding a command is adding an entry. Each command's module is
// loaded only when it runs, so `grantflow validate` does not pay for the AWS SDK.
import type { CliIo } from './io.ts';

export interface Command {
  readonly summary: string;
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
  workflow: {
    summary: 'Run Step Functions (JSONata) state machines durably on the embedded interpreter',
    load: async () => (await import('./workflow.ts')).workflowCommand,
  },
  'audit-log': {
    summary: 'Verify the hash-chained audit log, or list its entries',
    load: async () => (await import('./audit-log.ts')).auditLogCommand,
  },
  audit: {
    summary: 'Audit IAM: admins, escalation paths, exposure, trust, credentials (file or live)',
    load: async () => (await import('./audit.ts')).auditCommand,
  },
};
