// podwire-agent: the per-node agent (or, as `podwire-agent serve-cni`, only
// its CNI service; or, started by the agent as a worker thread, the agent's
// CNI service). Entry point only: the process edge (signals, stderr, files)
// and the exit code; everything else is in src/agent/.
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { processIo, runAgent } from '../agent/main.js';
import { isCniWorkerData } from '../agent/cni-service-thread.js';
import { runCniServiceWorker } from '../agent/cni-service-worker.js';
import { runServeCni } from '../agent/serve-cni.js';

if (!isMainThread && isCniWorkerData(workerData) && parentPort) {
  void runCniServiceWorker(workerData, parentPort);
} else {
  const argv = process.argv.slice(2);
  // This very script serves CNI when the agent starts it as a worker thread.
  const run = argv[0] === 'serve-cni' ? runServeCni(argv.slice(1), processIo()) : runAgent(argv, processIo(fileURLToPath(import.meta.url)));
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
}
