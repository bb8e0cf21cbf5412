// What a podwirectl command gets from the outside world. Commands never touch
// process.* themselves: src/bin builds this, tests can build their own.

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface Command {
  /** One line for `podwirectl --help`. */
  summary: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Subcommand name → command; later subcommands (lab, status, bench, policy) are added here by src/bin. */
export type CommandTable = Readonly<Record<string, Command>>;

/** Bad command line: exit 2 with the usage, as opposed to a failed operation (exit 1). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
