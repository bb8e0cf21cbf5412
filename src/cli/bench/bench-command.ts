// `podwirectl bench cni [--pods N] [--concurrency C] [--rounds R] [--json]`.
// Prints an aligned table (or JSON) with p50/p99 per operation for Podwire
// (with and without its CNI service) and the reference plugins, and the
// Podwire/reference ratios.
import { parseArgs } from 'node:util';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo, type Command } from '../io.js';
import { renderTable } from '../table.js';
import { IMPL_IDS, IMPL_LABELS, runCniBench, type CniBenchReport } from './cni-bench.js';
import { dataplaneCommand } from './dataplane-command.js';
import { policyBenchCommand } from './policy-bench-command.js';

export const BENCH_USAGE = `Usage:
  podwirectl bench cni [--pods N] [--concurrency C] [--rounds R] [--bin-dir DIR] [--json]
  podwirectl bench dataplane --help
  podwirectl bench policy --help

Runs the same ADD+DEL workload (bridge, gateway, masquerade) against podwire + podwire-ipam
and the reference bridge + host-local (/usr/lib/cni), as real processes with a clean
environment, in throwaway network namespaces, and prints p50/p99 per operation and the
podwire/reference ratios. Podwire runs twice: answered by its CNI service (podwire-agent
serve-cni, as on a node with the agent) and standalone. Defaults: --pods 20
--concurrency 1 --rounds 3.
`;

export interface BenchDeps {
  /** Directory of the built podwire plugins (default: next to podwirectl). */
  defaultBinDir: string;
  progress(message: string): void;
  progressDone(): void;
  onInterrupt(cleanup: () => void): void;
}

function positiveInt(name: string, raw: string | undefined, dflt: number): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: "${raw}" is not a positive integer`);
  return n;
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '-');

export function formatReport(r: CniBenchReport): string {
  const rows: string[][] = [];
  for (const id of IMPL_IDS) {
    for (const op of ['add', 'del', 'cycle'] as const) {
      const s = r.results[id][op];
      rows.push([id, op === 'cycle' ? 'ADD+DEL' : op.toUpperCase(), String(s.n), ms(s.p50), ms(s.p99), ms(s.mean)]);
    }
  }
  const head = `CNI benchmark: ${r.pods} pods x ${r.rounds} rounds, concurrency ${r.concurrency}, masquerade on\n\n`;
  const table = renderTable(['impl', 'op', 'n', 'p50 ms', 'p99 ms', 'mean ms'], rows, ['left', 'left', 'right', 'right', 'right', 'right']);
  const legend = IMPL_IDS.map((id) => `  ${id.padEnd(10)} ${IMPL_LABELS[id]}`).join('\n');
  const ratios = (['podwire', 'standalone'] as const).map((id) => {
    const q = r.ratio[id];
    return `${`${id}/reference p50:`.padEnd(26)} ADD ${q.add.toFixed(2)}  DEL ${q.del.toFixed(2)}  ADD+DEL ${q.cycle.toFixed(2)}`;
  }).join('\n');
  return `${head}${table}\n${legend}\n\n${ratios}\n`;
}

export function benchCommand(deps: BenchDeps): Command {
  return {
    summary: 'benchmarks: CNI plugins against the reference (bench cni), the datapath (bench dataplane)',
    async run(argv: readonly string[], io: CliIo): Promise<number> {
      if (argv[0] === 'dataplane') return dataplaneCommand(argv.slice(1), io, deps);
      if (argv[0] === 'policy') return policyBenchCommand(argv.slice(1), io, deps);
      let parsed;
      try {
        parsed = parseArgs({
          args: [...argv],
          allowPositionals: true,
          options: {
            pods: { type: 'string' }, concurrency: { type: 'string' }, rounds: { type: 'string' },
            'bin-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
          },
        });
      } catch (err) {
        io.stderr(`podwirectl bench: ${err instanceof Error ? err.message : String(err)}\n\n${BENCH_USAGE}`);
        return EXIT_USAGE;
      }
      const { values, positionals } = parsed;
      if (values.help) {
        io.stdout(BENCH_USAGE);
        return EXIT_OK;
      }
      if (positionals[0] !== 'cni' || positionals.length !== 1) {
        io.stderr(`podwirectl bench: expected "cni", "dataplane" or "policy"\n\n${BENCH_USAGE}`);
        return EXIT_USAGE;
      }
      let opts;
      try {
        opts = {
          pods: positiveInt('pods', values.pods, 20),
          concurrency: positiveInt('concurrency', values.concurrency, 1),
          rounds: positiveInt('rounds', values.rounds, 3),
        };
      } catch (err) {
        io.stderr(`podwirectl bench: ${(err as Error).message}\n`);
        return EXIT_USAGE;
      }
      try {
        const report = await runCniBench({
          ...opts,
          podwireBinDir: values['bin-dir'] ?? deps.defaultBinDir,
          referenceBinDir: '/usr/lib/cni',
          progress: deps.progress,
        }, deps.onInterrupt);
        deps.progressDone();
        io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
        return EXIT_OK;
      } catch (err) {
        deps.progressDone();
        io.stderr(`podwirectl bench: ${err instanceof Error ? err.message : String(err)}\n`);
        return EXIT_FAILED;
      }
    },
  };
}

