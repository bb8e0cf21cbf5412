// podwire-agent: the per-node agent. Entry point only: the process edge
// (signals, stderr, files) and the exit code; everything else is in
// src/agent/main.ts.
import { processIo, runAgent } from '../agent/main.js';

runAgent(process.argv.slice(2), processIo()).then(
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
