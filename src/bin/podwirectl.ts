// podwirectl: the operator's and the lab's command line. Builds the real
// dependencies, runs main, sets the exit code; nothing else lives here.
import { cniCommand } from '../cli/cni/cni-command.js';
import { readConfDir } from '../cli/cni/conf-dir.js';
import { createCniRunner } from '../cli/cni/create-runner.js';
import type { CliIo, CommandTable } from '../cli/io.js';
import { main } from '../cli/main.js';

const io: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const commands: CommandTable = {
  cni: cniCommand({ makeRunner: createCniRunner, readConfDir }),
};

main(process.argv.slice(2), io, commands).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`podwirectl: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
