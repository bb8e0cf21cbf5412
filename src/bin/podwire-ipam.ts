// podwire-ipam: entry point only. Reads the invocation from the process,
// builds the real dependencies and lets the skel do the protocol.
import { readFileSync } from 'node:fs';
import { runSkel } from '../cni/skel.js';
import { diskIpamDeps } from '../plugins/ipam/deps.js';
import { createIpamPlugin } from '../plugins/ipam/plugin.js';

function readStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch {
    // No readable stdin (closed, or a terminal in non-blocking mode): the skel reports the missing config.
    return Buffer.alloc(0);
  }
}

const io = {
  env: process.env,
  stdin: readStdin(),
  stdout: (text: string) => {
    process.stdout.write(text);
  },
};

runSkel(io, createIpamPlugin(diskIpamDeps())).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`podwire-ipam: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
