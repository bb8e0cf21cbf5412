// The worker-thread side of cni-service-thread.ts: serve CNI on the socket
// named in workerData until the main thread says stop, reporting readiness
// and counts by message.
import type { MessagePort } from 'node:worker_threads';
import { podwirePlugin } from '../plugins/podwire/plugin.js';
import { serviceDeps } from '../plugins/podwire/kernel-deps.js';
import { startCniService } from './cni-service.js';
import type { CniWorkerData, CniWorkerMessage } from './cni-service-thread.js';
import { createLog } from './log.js';

export async function runCniServiceWorker(data: CniWorkerData, port: MessagePort): Promise<void> {
  const send = (m: CniWorkerMessage): void => port.postMessage(m);
  const log = createLog(data.nodeName, (line) => process.stderr.write(line));
  const deps = serviceDeps((what, err) => log('warn', 'CNI service background work failed', { what, error: err }));
  let service;
  try {
    service = await startCniService({
      socketPath: data.socketPath, field: 'cniSocket', plugin: podwirePlugin(deps.deps), log,
      onStats: (stats) => send({ type: 'stats', stats }),
    });
  } catch (err) {
    await deps.dispose();
    send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
    port.close();
    return;
  }
  send({ type: 'ready' });
  await new Promise<void>((resolve) => port.once('message', () => resolve()));
  await service.close();
  await deps.dispose();
  send({ type: 'stopped' });
  port.close();
}
