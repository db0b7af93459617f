// The subcommands of `grantflow`; adding a command is adding an entry.
import type { CliIo } from './io.ts';
import { validateCommand } from './validate.ts';

export interface Command {
  readonly summary: string;
  readonly help: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  validate: validateCommand,
};
