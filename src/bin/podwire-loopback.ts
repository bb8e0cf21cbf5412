// Entry point of the podwire-loopback CNI plugin: read stdin, build the real
// dependencies, hand over to the skel, set the exit code. koffi loads only
// when a verb opens netlink, so VERSION stays cheap.
import { readFileSync } from 'node:fs';
import { CniError, ErrorCode } from '../cni/errors.js';
import { runSkel } from '../cni/skel.js';
import { openNetlink } from '../kernel/netlink/index.js';
import { loopbackPlugin } from '../plugins/loopback/plugin.js';

function readStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch {
    // Closed or unreadable stdin: the skel reports the empty config.
    return Buffer.alloc(0);
  }
}

const plugin = loopbackPlugin({ openNetlink: (netns) => openNetlink(netns) });
runSkel({ env: process.env, stdin: readStdin(), stdout: (text) => process.stdout.write(text) }, plugin).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // runSkel reports every error itself; this is the last line of defence.
    process.stdout.write(`${JSON.stringify(new CniError(ErrorCode.Internal, 'internal error', String(err)).toJSON())}\n`);
    process.exitCode = 1;
  },
);
