// The lab's commands that run inside a pod's (or node's) netns, started by
// the lab through nsenter: `lab serve` (the pod's echo server; hidden) and
// `lab probe-from` (one row of the probe matrix, JSON on stdout; hidden),
// plus `lab exec`, which starts the user's command there.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { formatPortSpec, parsePortSpec, signalReady, startPodServer } from '../../lab/pod-server.js';
import { probeAll, probeContinuously, probeOnce } from '../../lab/prober.js';
import { parseTargets } from '../../lab/probe-types.js';
import { EXIT_OK, UsageError, type CliIo } from '../io.js';

function int(name: string, raw: string | undefined, dflt: number, min = 1): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name}: "${raw}" is not an integer >= ${min}`);
  return n;
}

/** `lab serve --port 80/TCP --port 81/UDP [--ready-fd 3]`: runs until killed. */
export async function serveCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { port: { type: 'string', multiple: true }, 'ready-fd': { type: 'string' } } });
  const ports = (values.port ?? []).map((p) => {
    try {
      return parsePortSpec(p);
    } catch (err) {
      throw new UsageError(`--port: ${(err as Error).message}`);
    }
  });
  if (ports.length === 0) throw new UsageError('serve: at least one --port');
  await startPodServer(ports);
  io.stderr(`${new Date().toISOString()} serving ${ports.map(formatPortSpec).join(' ')}\n`);
  if (values['ready-fd'] !== undefined) signalReady(int('ready-fd', values['ready-fd'], 3, 3));
  return new Promise<number>(() => undefined);
}

/** `lab probe-from --targets JSON [--timeout MS] [--duration MS --interval MS]` */
export async function probeFromCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { targets: { type: 'string' }, timeout: { type: 'string' }, duration: { type: 'string' }, interval: { type: 'string' } },
  });
  if (values.targets === undefined) throw new UsageError('probe-from: --targets JSON');
  let targets;
  try {
    targets = parseTargets(values.targets);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const timeoutMs = int('timeout', values.timeout, 1000);
  const results = values.duration === undefined
    ? await probeAll(targets, (t) => probeOnce(t, timeoutMs))
    : await probeAll(targets, (t) => probeContinuously(t, { durationMs: int('duration', values.duration, 1), intervalMs: int('interval', values.interval, 200), timeoutMs }));
  io.stdout(`${JSON.stringify(results)}\n`);
  return EXIT_OK;
}

/** Runs CMD in the netns with the terminal attached; resolves with its exit status. */
export function execInNetns(netnsPath: string, cmd: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath}`, ...cmd], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
