// podwire: entry point only. With a `serviceSocket` in its config the
// invocation is forwarded to the node's CNI service when that answers
// (docs/cni-service.md); otherwise, or when the service refuses, the skel
// runs the verb here with the real dependencies (lazily: VERSION loads no FFI).
import { serviceSocketOf } from '../cni/service-protocol.js';
import { kernelDeps } from '../plugins/podwire/kernel-deps.js';
import { podwirePlugin } from '../plugins/podwire/plugin.js';
import { finishProcess } from './lib/exit.js';
import { readStdin, runPluginMain, writeStdout } from './lib/run-plugin.js';
import { callService } from './lib/service-client.js';

const stdin = readStdin();
const command = process.env.CNI_COMMAND;
const text = command !== undefined && command !== 'VERSION' ? stdin.toString('utf8') : '';
const socket = text === '' ? undefined : serviceSocketOf(text);
const outcome = socket === undefined ? undefined : callService(socket, process.env, text);

if (outcome === undefined || 'fallback' in outcome) {
  runPluginMain('podwire', podwirePlugin(kernelDeps()), stdin);
} else {
  writeStdout(outcome.stdout);
  finishProcess(outcome.exitCode);
}
