// The agent's CNI service on its own worker thread. On the agent's main
// thread a CNI request would wait behind whatever the agent is doing (a
// NetworkPolicy compile at 10,000 pods takes tens to hundreds of ms); a
// worker has its own event loop, its own koffi and libnftables, and enters
// pod namespaces on its own thread only (namespaces are per thread). The
// worker runs the agent's own entry script (bundle or compiled module), told
// by workerData to serve CNI instead of starting an agent.
//
// If the worker dies, its socket stops answering and plugins run their verbs
// themselves until it is back: it is restarted after a second.
import { Worker } from 'node:worker_threads';
import type { CniServiceStats } from './cni-service.js';
import type { AgentLog } from './log.js';

export const CNI_WORKER_ROLE = 'podwire-cni-service';

export interface CniWorkerData {
  role: typeof CNI_WORKER_ROLE;
  socketPath: string;
  nodeName: string;
}

/** Worker → main. */
export type CniWorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'stats'; stats: CniServiceStats }
  | { type: 'stopped' };

export interface CniServiceThread {
  readonly socketPath: string;
  /** The counts last reported by the worker, summed over its restarts. */
  stats(): CniServiceStats & { restarts: number };
  close(): Promise<void>;
}

const RESTART_DELAY_MS = 1000;

export function isCniWorkerData(data: unknown): data is CniWorkerData {
  return typeof data === 'object' && data !== null && (data as { role?: unknown }).role === CNI_WORKER_ROLE;
}

/** Starts the worker; resolves once its socket listens, rejects with its error otherwise. */
export async function startCniServiceThread(opts: { entry: string; socketPath: string; nodeName: string; log: AgentLog }): Promise<CniServiceThread> {
  const data: CniWorkerData = { role: CNI_WORKER_ROLE, socketPath: opts.socketPath, nodeName: opts.nodeName };
  const earlier = { served: 0, refused: 0 };
  let current: CniServiceStats = { served: 0, refused: 0, inFlight: 0 };
  let restarts = 0;
  let closing = false;
  let worker: Worker | undefined;
  let restartTimer: NodeJS.Timeout | undefined;

  const spawn = (): Promise<void> => new Promise((resolve, reject) => {
    const w = new Worker(opts.entry, { workerData: data, stdout: false, stderr: false });
    worker = w;
    let started = false;
    w.on('message', (m: CniWorkerMessage) => {
      if (m.type === 'ready') {
        started = true;
        resolve();
      } else if (m.type === 'failed') {
        reject(new Error(m.error));
      } else if (m.type === 'stats') {
        current = m.stats;
      }
    });
    w.on('error', (err) => {
      opts.log('error', 'CNI service thread failed', { error: err });
      if (!started) reject(err);
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      earlier.served += current.served;
      earlier.refused += current.refused;
      current = { served: 0, refused: 0, inFlight: 0 };
      if (!started) {
        reject(new Error(`CNI service thread exited with code ${code} before listening`));
        return;
      }
      if (closing) return;
      opts.log('warn', 'CNI service thread exited; plugins run their verbs themselves until it is back', { code, restartInMs: RESTART_DELAY_MS });
      restartTimer = setTimeout(() => {
        restarts++;
        spawn().catch((err: unknown) => opts.log('error', 'CNI service thread did not restart', { error: err }));
      }, RESTART_DELAY_MS);
    });
  });

  await spawn();
  return {
    socketPath: opts.socketPath,
    stats: () => ({ served: earlier.served + current.served, refused: earlier.refused + current.refused, inFlight: current.inFlight, restarts }),
    async close() {
      closing = true;
      clearTimeout(restartTimer);
      const w = worker;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      // The worker finishes the requests it accepted, releases its nft context and exits.
      w.postMessage('stop');
      const timer = setTimeout(() => void w.terminate(), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
