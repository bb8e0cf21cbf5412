// podwirectl: the operator's and the lab's command line. Builds the real
// dependencies, runs main, sets the exit code; nothing else lives here.
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { benchCommand } from '../cli/bench/bench-command.js';
import { cniCommand } from '../cli/cni/cni-command.js';
import { labCommand } from '../cli/lab/lab-command.js';
import { statusCommand } from '../cli/status/status-command.js';
import { openLabStore, policyCommand } from '../cli/policy/policy-command.js';
import { readConfDir } from '../cli/cni/conf-dir.js';
import { createCniRunner } from '../cli/cni/create-runner.js';
import type { CliIo, CommandTable } from '../cli/io.js';
import { main } from '../cli/main.js';

const io: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

// Progress goes to stderr: redrawn in place on a terminal, one line at a time otherwise.
const tty = process.stderr.isTTY;
let lastProgress = 0;
const progress = (message: string): void => {
  if (tty) {
    process.stderr.write(`\r\x1b[2K${message}`);
  } else if (Date.now() - lastProgress > 2000) {
    lastProgress = Date.now();
    process.stderr.write(`${message}\n`);
  }
};

const commands: CommandTable = {
  cni: cniCommand({ makeRunner: createCniRunner, readConfDir }),
  bench: benchCommand({
    defaultBinDir: dirname(realpathSync(process.argv[1] ?? '.')),
    progress,
    progressDone: () => { if (tty) process.stderr.write('\r\x1b[2K'); },
    onInterrupt: (cleanup) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          cleanup();
          process.exit(130);
        });
      }
    },
  }),
  policy: policyCommand({ openStore: openLabStore }),
  status: statusCommand(),
  lab: labCommand({ binDir: dirname(realpathSync(process.argv[1] ?? '.')), progress, progressDone: () => { if (tty) process.stderr.write('\r\x1b[2K'); } }),
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
