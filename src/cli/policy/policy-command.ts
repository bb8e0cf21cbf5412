// `podwirectl policy trace`: would a new connection be allowed, and which
// policies and rules decide it. The objects come from the lab's store, from
// manifest files, or both (trace-objects.ts); the answer is evaluate() on
// the model the dataplane compiles from (src/core/policy), printed by
// trace-format.ts or as evaluate()'s JSON.
// Exit codes: 0 whenever the trace ran, allowed or denied (the verdict is in
// the output: scripts read `--json` .allowed); 1 when it could not run (an
// unknown pod, a bad manifest, no lab store); 2 for a bad command line.
import { parseArgs } from 'node:util';
import type { ClusterSource } from '../../agent/cluster/cluster-source.js';
import { FileClusterSource, fileSourceOptions } from '../../agent/cluster/file-source.js';
import { evaluate, type Endpoint } from '../../core/policy/evaluate.js';
import { PolicyError, type PolicyProtocol } from '../../core/policy/inputs.js';
import { buildPolicyModel } from '../../core/policy/model.js';
import { DEFAULT_LAB_DIR } from '../../lab/layout.js';
import { ManifestError } from '../../lab/manifests.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from '../io.js';
import { formatTrace } from './trace-format.js';
import { loadTraceObjects, NoLabStoreError } from './trace-objects.js';

export const POLICY_USAGE = `Usage:
  podwirectl policy trace --from NS/POD --to NS/POD --port P [--protocol TCP|UDP|SCTP]
                          [-f FILE|DIR ...] [--lab-dir DIR] [--json]

Decides one new connection with the NetworkPolicy engine the dataplane compiles
from, and names the policies that isolate each side and the rule that allowed it
(or that none did). --from/--to also take an IP address (a pod's, a node's, or
an external one).

Objects: by default the running lab's store (--lab-dir, $PODWIRE_LAB_DIR,
default ${DEFAULT_LAB_DIR}). With -f: only the manifests (Namespaces, Pods,
NetworkPolicies, Nodes; pods without status count as Running), to check a
policy before applying it. With -f and an explicit --lab-dir: the manifests
layered over the lab's objects (same kind/namespace/name replaced), a what-if.

Exit status: 0 when the trace ran, whether ALLOWED or DENIED (read the verdict
from the output; --json prints evaluate()'s result, with .allowed); 1 when it
could not run (unknown pod, bad manifest, no lab); 2 for bad usage.
`;

export interface PolicyCommandDeps {
  /** Opens the lab's file ClusterSource at a store root. */
  openStore(root: string): ClusterSource & { close(): void };
}

/** The real store opener, for src/bin: the lab's file ClusterSource, warnings on stderr. */
export function openLabStore(root: string): FileClusterSource {
  return new FileClusterSource(fileSourceOptions(root));
}

const PROTOCOLS: readonly PolicyProtocol[] = ['TCP', 'UDP', 'SCTP'];

function endpointOf(flag: string, text: string | undefined): Endpoint {
  if (text === undefined || text === '') throw new UsageError(`--${flag} is required (NS/POD)`);
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(text);
  if (m) return { namespace: m[1] as string, pod: m[2] as string };
  if (/^[0-9a-fA-F:.]+$/.test(text) && /[.:]/.test(text)) return { ip: text };
  throw new UsageError(`--${flag}: "${text}" is not NS/POD or an IP address`);
}

function portOf(text: string | undefined): number {
  if (text === undefined) throw new UsageError('--port is required');
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new UsageError(`--port: "${text}" is not a port number (1-65535)`);
  return n;
}

function protocolOf(text: string | undefined): PolicyProtocol {
  const p = (text ?? 'TCP').toUpperCase();
  if (!PROTOCOLS.includes(p as PolicyProtocol)) throw new UsageError(`--protocol: "${text ?? ''}" is not TCP, UDP or SCTP`);
  return p as PolicyProtocol;
}

async function trace(argv: readonly string[], io: CliIo, deps: PolicyCommandDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        from: { type: 'string' }, to: { type: 'string' }, port: { type: 'string' }, protocol: { type: 'string' },
        file: { type: 'string', short: 'f', multiple: true }, 'lab-dir': { type: 'string' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    io.stdout(POLICY_USAGE);
    return EXIT_OK;
  }
  const from = endpointOf('from', values.from);
  const to = endpointOf('to', values.to);
  const port = portOf(values.port);
  const protocol = protocolOf(values.protocol);
  const files = values.file ?? [];
  const labDir = values['lab-dir'] ?? io.env.PODWIRE_LAB_DIR ?? DEFAULT_LAB_DIR;
  const useStore = files.length === 0 || values['lab-dir'] !== undefined;

  const { inputs, origin } = await loadTraceObjects({ files, useStore, labDir, openStore: deps.openStore });
  const model = buildPolicyModel(inputs);
  const verdict = evaluate(model, { from, to, port, protocol });
  io.stdout(values.json ? `${JSON.stringify(verdict, null, 2)}\n` : formatTrace(model, verdict, { port, protocol }, origin));
  return EXIT_OK;
}

export function policyCommand(deps: PolicyCommandDeps): Command {
  return {
    summary: 'NetworkPolicy tools: trace why a connection is allowed or denied (policy trace)',
    async run(argv, io) {
      const [sub, ...rest] = argv;
      try {
        if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
          (sub === undefined ? io.stderr : io.stdout)(POLICY_USAGE);
          return sub === undefined ? EXIT_USAGE : EXIT_OK;
        }
        if (sub !== 'trace') throw new UsageError(`unknown policy subcommand "${sub}"`);
        return await trace(rest, io, deps);
      } catch (err) {
        if (err instanceof UsageError) {
          io.stderr(`podwirectl policy: ${err.message}\n\n${POLICY_USAGE}`);
          return EXIT_USAGE;
        }
        if (err instanceof PolicyError || err instanceof ManifestError || err instanceof NoLabStoreError) {
          io.stderr(`podwirectl policy trace: ${err.message}\n`);
          return EXIT_FAILED;
        }
        io.stderr(`podwirectl policy trace: ${err instanceof Error ? err.message : String(err)}\n`);
        return EXIT_FAILED;
      }
    },
  };
}
