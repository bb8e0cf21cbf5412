// podwirectl's top level: find the subcommand in the table src/bin built and
// hand it the rest of argv. Knows no subcommand by name, so adding one is a
// line in src/bin/podwirectl.ts.
import { EXIT_OK, EXIT_USAGE, type CliIo, type CommandTable } from './io.js';

export function topLevelHelp(commands: CommandTable): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length), 4);
  const lines = Object.entries(commands).map(([name, cmd]) => `  ${name.padEnd(width)}  ${cmd.summary}`);
  return [
    'Usage: podwirectl COMMAND [ARGS...]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `podwirectl COMMAND --help` for a command\'s usage.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo, commands: CommandTable): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(topLevelHelp(commands));
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const target = rest[0] !== undefined ? commands[rest[0]] : undefined;
    if (target !== undefined) return target.run(['--help'], io);
    io.stdout(topLevelHelp(commands));
    return EXIT_OK;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    io.stderr(`podwirectl: unknown command "${name}"\n\n${topLevelHelp(commands)}`);
    return EXIT_USAGE;
  }
  return command.run(rest, io);
}
