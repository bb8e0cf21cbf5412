// `podwirectl bench policy [--pods N] [--policies M] [--nodes K] [--changes C]
// [--rounds R] [--debounce-ms D] [--json]`: the command line is checked
// before anything is created; the report goes to stdout, progress to stderr.
// Usage errors exit 2, failures 1.
import { parseArgs } from 'node:util';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliIo } from '../io.js';
import { intOption, runBenchSubcommand } from './subcommand.js';
import { runPolicyBench } from './policy-bench.js';
import { AGENT_CHILD_FLAG, serveBenchAgent } from './policy-bench-agent.js';
import { formatPolicyBenchReport } from './policy-bench-format.js';

export const POLICY_BENCH_USAGE = `Usage:
  podwirectl bench policy [--pods N] [--policies M] [--nodes K] [--changes C]
                          [--rounds R] [--debounce-ms D] [--json]

Seeds a throwaway file cluster store (under /tmp) with N synthetic pods (one IPv4
address each, 100 per namespace) and M policies of ten shapes, then in one
throwaway node netns (pwpb<pid>-node, removed afterwards) measures: the full sync
(list, build model, compile, render, nft apply) R times; then, through the
agent's own PolicyController watching the store in an agent process of its own,
C single changes of each kind (pod added, label changed, policy added) from the
store write to the nft transaction returned; and the RSS of that agent process
and of the bench process. Pods are spread over K nodes; the bench node is one of
them (K=1: every pod is local, the largest table). Defaults: --pods 10000
--policies 1000 --nodes 1 --changes 30 --rounds 3 --debounce-ms 25 (the agent's:
the most the controller waits between syncs).
`;

export interface PolicyBenchDeps {
  progress(message: string): void;
  progressDone(): void;
  onInterrupt(cleanup: () => void): void;
}


async function run(argv: readonly string[], io: CliIo, deps: PolicyBenchDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        pods: { type: 'string' }, policies: { type: 'string' }, nodes: { type: 'string' }, changes: { type: 'string' },
        rounds: { type: 'string' }, 'debounce-ms': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    io.stdout(POLICY_BENCH_USAGE);
    return EXIT_OK;
  }
  const opts = {
    pods: intOption('pods', values.pods, 10_000, 1, 1_000_000),
    policies: intOption('policies', values.policies, 1_000, 0, 100_000),
    nodes: intOption('nodes', values.nodes, 1, 1, 10_000),
    changes: intOption('changes', values.changes, 30, 1, 10_000),
    rounds: intOption('rounds', values.rounds, 3, 1, 100),
    debounceMs: intOption('debounce-ms', values['debounce-ms'], 25, 0, 10_000),
  };
  try {
    const report = await runPolicyBench({ ...opts, progress: deps.progress }, deps.onInterrupt);
    deps.progressDone();
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatPolicyBenchReport(report));
    return report.cleanedUp ? EXIT_OK : EXIT_FAILED;
  } finally {
    deps.progressDone();
  }
}

/** Entry from `podwirectl bench policy`. */
export async function policyBenchCommand(argv: readonly string[], io: CliIo, deps: PolicyBenchDeps): Promise<number> {
  // The bench's own agent process (policy-bench-agent.ts); not for users.
  if (argv.length === 1 && argv[0] === AGENT_CHILD_FLAG) return serveBenchAgent();
  return runBenchSubcommand('policy', POLICY_BENCH_USAGE, io, () => deps.progressDone(), () => run(argv, io, deps));
}
