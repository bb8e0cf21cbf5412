// podwire-agent: the per-node agent (or, as `podwire-agent serve-cni`, only
// its CNI service). Entry point only: the process edge (signals, stderr,
// files) and the exit code; everything else is in src/agent/.
import { processIo, runAgent } from '../agent/main.js';
import { runServeCni } from '../agent/serve-cni.js';

const argv = process.argv.slice(2);
const run = argv[0] === 'serve-cni' ? runServeCni(argv.slice(1), processIo()) : runAgent(argv, processIo());

run.then(
  (code) => {
    process.exitCode = code;
    // Sockets, timers and watches are closed; anything left (a stuck kernel call) must not keep a stopped agent alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`podwire-agent: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
