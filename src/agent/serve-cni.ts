// `podwire-agent serve-cni --socket PATH`: only the CNI service
// (docs/cni-service.md), for hosts that run pods without the node agent (a
// podman or containerd host with a hand-written conflist) and for
// `podwirectl bench cni`. It serves the network namespace it was started in
// and stops on SIGTERM/SIGINT after finishing the requests it accepted.
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { podwirePlugin } from '../plugins/podwire/plugin.js';
import { serviceDeps } from '../plugins/podwire/kernel-deps.js';
import { startCniService } from './cni-service.js';
import { createLog } from './log.js';
import type { AgentIo } from './main.js';

export const SERVE_CNI_USAGE = `Usage: podwire-agent serve-cni --socket PATH

Serves the podwire plugin's verbs on a root-only unix socket; conflists that
name PATH as the plugin's "serviceSocket" use it (docs/cni-service.md).
  --socket PATH   absolute path of the unix socket
  -h, --help
`;

export async function runServeCni(argv: readonly string[], io: AgentIo): Promise<number> {
  let values: { socket?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { socket: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    io.stderr(`podwire-agent serve-cni: ${err instanceof Error ? err.message : String(err)}\n\n${SERVE_CNI_USAGE}`);
    return 2;
  }
  if (values.help === true) {
    io.stderr(SERVE_CNI_USAGE);
    return 0;
  }
  const socket = values.socket;
  if (socket === undefined || !socket.startsWith('/')) {
    io.stderr(`podwire-agent serve-cni: --socket: an absolute path is required\n\n${SERVE_CNI_USAGE}`);
    return 2;
  }
  const log = createLog(hostname(), io.stderr);
  const deps = serviceDeps((what, err) => log('warn', 'CNI service background work failed', { what, error: err }));
  let code = 0;
  try {
    const service = await startCniService({ socketPath: socket, field: '--socket', plugin: podwirePlugin(deps.deps), log });
    log('info', 'serving CNI', { socket });
    await new Promise<void>((resolve) => {
      if (io.stopSignal.aborted) resolve();
      else io.stopSignal.addEventListener('abort', () => resolve(), { once: true });
    });
    await service.close();
    log('info', 'stopped', { ...service.stats() });
  } catch (err) {
    log('error', 'CNI service failed', { error: err });
    code = 1;
  }
  await deps.dispose();
  return code;
}
