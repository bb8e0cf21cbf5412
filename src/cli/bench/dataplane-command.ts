// `podwirectl bench dataplane [--backend vxlan|routed|both] [--duration S]
// [--rounds N] [--json]`, and its hidden helper `bench dataplane ping-pong
// HOST:PORT`, which the benchmark runs inside a lab netns. The command line
// is checked before any lab is built; the report goes to stdout, progress to
// stderr.
import { parseArgs } from 'node:util';
import type { DataplaneBackend } from '../../core/bench/dataplane-report.js';
import { formatPingPongOutput } from '../../core/bench/ping-pong.js';
import { EXIT_OK, UsageError, type CliIo } from '../io.js';
import { intOption, runBenchSubcommand } from './subcommand.js';
import { runDataplaneBench } from './dataplane-bench.js';
import { formatDataplaneReport } from './dataplane-format.js';
import { pingPong } from './ping-pong.js';

export const DATAPLANE_USAGE = `Usage:
  podwirectl bench dataplane [--backend vxlan|routed|both] [--duration S] [--rounds N]
                             [--count N] [--size BYTES] [--bin-dir DIR] [--json]

Builds throwaway 2-node labs (one per backend, real agents and CNI chain, in
namespaces named pwdp<pid><backend>-*, removed afterwards) and measures, with
iperf3 (one TCP stream) and a TCP ping-pong of its own, throughput and round
trips for: node to node over the underlay (the baseline), pod to pod on one
node, and pod to pod across nodes per backend; prints each path against the
baseline. Defaults: --backend both --duration 2 (seconds per run) --rounds 4
--count 2000 (round trips per path and round) --size 64. Needs iperf3.
`;

export interface DataplaneDeps {
  defaultBinDir: string;
  progress(message: string): void;
  progressDone(): void;
  onInterrupt(cleanup: () => void): void;
}


function backendsOf(raw: string | undefined): DataplaneBackend[] {
  switch (raw ?? 'both') {
    case 'both': return ['vxlan', 'routed'];
    case 'vxlan': return ['vxlan'];
    case 'routed': return ['routed'];
    default: throw new UsageError(`--backend: "${raw ?? ''}" is not vxlan, routed or both`);
  }
}

export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2];
  if (!m || host === undefined || port < 1 || port > 65535) throw new UsageError(`"${text}" is not HOST:PORT`);
  return { host, port };
}

/** `bench dataplane ping-pong HOST:PORT [--count N] [--size B]`: JSON round trips on stdout. */
async function pingPongCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { count: { type: 'string' }, size: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('ping-pong HOST:PORT');
  const { host, port } = parseHostPort(positionals[0] ?? '');
  const rttUs = await pingPong({
    host, port, count: intOption('count', values.count, 2000, 1, 1_000_000), warmup: 100,
    payloadBytes: intOption('size', values.size, 64, 1, 65_536), timeoutMs: 30_000,
  });
  io.stdout(formatPingPongOutput({ rttUs }));
  return EXIT_OK;
}

async function runDataplane(argv: readonly string[], io: CliIo, deps: DataplaneDeps): Promise<number> {
  if (argv[0] === 'ping-pong') return pingPongCommand(argv.slice(1), io);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        backend: { type: 'string' }, duration: { type: 'string' }, rounds: { type: 'string' }, count: { type: 'string' }, size: { type: 'string' },
        'bin-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    io.stdout(DATAPLANE_USAGE);
    return EXIT_OK;
  }
  const opts = {
    backends: backendsOf(values.backend),
    durationSeconds: intOption('duration', values.duration, 2, 1, 600),
    rounds: intOption('rounds', values.rounds, 4, 1, 100),
    pingPongCount: intOption('count', values.count, 2000, 1, 1_000_000),
    payloadBytes: intOption('size', values.size, 64, 1, 65_536),
    binDir: values['bin-dir'] ?? deps.defaultBinDir,
  };
  try {
    const report = await runDataplaneBench({ ...opts, progress: deps.progress, log: (line) => io.stderr(`${line}\n`) }, deps.onInterrupt);
    deps.progressDone();
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatDataplaneReport(report));
    return EXIT_OK;
  } finally {
    deps.progressDone();
  }
}

/** Entry from `podwirectl bench`: usage errors exit 2, failures 1. */
export async function dataplaneCommand(argv: readonly string[], io: CliIo, deps: DataplaneDeps): Promise<number> {
  return runBenchSubcommand('dataplane', DATAPLANE_USAGE, io, () => deps.progressDone(), () => runDataplane(argv, io, deps));
}
