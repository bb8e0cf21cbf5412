// `podwirectl lab SUBCOMMAND ...`: parses the command line, builds the lab
// environment (lab-env.ts) and calls one operation of src/lab; output goes
// through lab-format.ts (or JSON). Mutating subcommands hold the lab's
// operation lock; `down` never waits for it.
import { mkdirSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { agentStatus } from '../../lab/agent-api.js';
import { applyManifests, deleteManifests } from '../../lab/apply.js';
import { startAgent, stopAgent, waitAgentsReady } from '../../lab/agent.js';
import { createLabEnv, type LabEnv } from '../../lab/lab-env.js';
import { labDown } from '../../lab/lab-down.js';
import { labUp } from '../../lab/lab-up.js';
import { DEFAULT_LAB_DIR, DEFAULT_PREFIX, netnsPath, nodeNameProblem, nodePaths, prefixProblem } from '../../lab/layout.js';
import { loadManifestFiles } from '../../lab/manifest-files.js';
import { addNode, removeNode, waitNodesReady } from '../../lab/nodes.js';
import { withOpLock } from '../../lab/op-lock.js';
import { probeMatrix } from '../../lab/probe.js';
import { labStatus } from '../../lab/status.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from '../io.js';
import { execInNetns, probeFromCommand, serveCommand } from './in-netns-commands.js';
import { formatActions, formatDown, formatProbeMatrix, formatStatus, formatUp, probeJson } from './lab-format.js';
import { LAB_USAGE } from './lab-usage.js';

export interface LabCommandDeps {
  /** Directory of podwirectl, podwire-agent and the plugins. */
  binDir: string;
  progress(message: string): void;
  progressDone(): void;
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

const COMMON: Options = { 'lab-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };

interface Ctx {
  values: Values;
  positionals: string[];
  io: CliIo;
  env: LabEnv;
}

function parse(argv: readonly string[], options: Options): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: [...argv], options: { ...COMMON, ...options }, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
const list = (v: Values, k: string): string[] => (Array.isArray(v[k]) ? (v[k] as unknown[]).map(String) : []);

function int(v: Values, k: string, dflt: number, min: number, max: number): number {
  const raw = str(v, k);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${k}: "${raw}" is not an integer in ${min}-${max}`);
  return n;
}

function out(ctx: Ctx, json: unknown, text: string): void {
  ctx.io.stdout(ctx.values.json === true ? `${JSON.stringify(json, null, 2)}\n` : text);
}

const locked = <T>(ctx: Ctx, fn: () => Promise<T>): Promise<T> => {
  mkdirSync(ctx.env.labDir, { recursive: true });
  return withOpLock(ctx.env.labDir, 300_000, ctx.env.progress, fn);
};

const FILE_OPTS: Options = { filename: { type: 'string', short: 'f', multiple: true } };

interface Sub {
  options: Options;
  run(ctx: Ctx): Promise<number>;
}

function backendOf(v: Values): 'vxlan' | 'routed' {
  const b = str(v, 'backend') ?? 'vxlan';
  if (b !== 'vxlan' && b !== 'routed') throw new UsageError(`--backend: "${b}" is not vxlan or routed`);
  return b;
}

const SUBCOMMANDS: Record<string, Sub> = {
  up: {
    options: { ...FILE_OPTS, nodes: { type: 'string' }, backend: { type: 'string' }, prefix: { type: 'string' }, timeout: { type: 'string' }, 'no-agent': { type: 'boolean' } },
    async run(ctx) {
      const prefix = str(ctx.values, 'prefix') ?? DEFAULT_PREFIX;
      const problem = prefixProblem(prefix);
      if (problem) throw new UsageError(`--prefix: ${problem}`);
      const manifests = loadManifestFiles([...list(ctx.values, 'filename'), ...ctx.positionals]);
      const backend = backendOf(ctx.values);
      const report = await locked(ctx, () => labUp(ctx.env, {
        nodes: int(ctx.values, 'nodes', 3, 1, 200), backend, prefix, noAgent: ctx.values['no-agent'] === true,
        manifests, readyTimeoutMs: int(ctx.values, 'timeout', 60, 1, 3600) * 1000,
      }).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\nThe partial lab is left for inspection; remove it with: podwirectl lab down --lab-dir ${ctx.env.labDir}`);
      }));
      out(ctx, report, formatUp(report, ctx.values['no-agent'] === true ? 'static routes, no agents' : backend, ctx.env.labDir));
      return EXIT_OK;
    },
  },
  apply: {
    options: FILE_OPTS,
    async run(ctx) {
      const manifests = loadManifestFiles([...list(ctx.values, 'filename'), ...ctx.positionals]);
      if (manifests.length === 0) throw new UsageError('apply: -f FILE with at least one object');
      ctx.env.state.load();
      const reports = await locked(ctx, () => applyManifests(ctx.env, manifests));
      out(ctx, reports, formatActions(reports));
      return EXIT_OK;
    },
  },
  delete: {
    options: FILE_OPTS,
    async run(ctx) {
      const manifests = loadManifestFiles([...list(ctx.values, 'filename'), ...ctx.positionals]);
      if (manifests.length === 0) throw new UsageError('delete: -f FILE with at least one object');
      ctx.env.state.load();
      const reports = await locked(ctx, () => deleteManifests(ctx.env, manifests));
      out(ctx, reports, formatActions(reports));
      return EXIT_OK;
    },
  },
  status: {
    options: {},
    async run(ctx) {
      const s = await labStatus(ctx.env);
      out(ctx, s, formatStatus(s));
      return EXIT_OK;
    },
  },
  probe: {
    options: {
      port: { type: 'string' }, protocol: { type: 'string' }, timeout: { type: 'string' }, 'no-nodes': { type: 'boolean' },
      from: { type: 'string', multiple: true }, duration: { type: 'string' }, interval: { type: 'string' }, detail: { type: 'boolean' },
    },
    async run(ctx) {
      const protocol = (str(ctx.values, 'protocol') ?? 'TCP').toUpperCase();
      if (protocol !== 'TCP' && protocol !== 'UDP') throw new UsageError(`--protocol: "${protocol}" is not TCP or UDP`);
      const from = list(ctx.values, 'from');
      const duration = str(ctx.values, 'duration') !== undefined ? int(ctx.values, 'duration', 0, 1, 3_600_000) : undefined;
      const report = await probeMatrix(ctx.env, {
        port: int(ctx.values, 'port', 80, 1, 65535), protocol, timeoutMs: int(ctx.values, 'timeout', 1000, 1, 600_000),
        includeNodes: ctx.values['no-nodes'] !== true,
        ...(from.length > 0 ? { from } : {}),
        ...(duration !== undefined ? { durationMs: duration, intervalMs: int(ctx.values, 'interval', 200, 1, 600_000) } : {}),
      });
      out(ctx, ctx.values.detail === true ? report : probeJson(report), formatProbeMatrix(report));
      return EXIT_OK;
    },
  },
  node: {
    options: { timeout: { type: 'string' } },
    async run(ctx) {
      const [verb, name, ...extra] = ctx.positionals;
      if ((verb !== 'add' && verb !== 'remove') || name === undefined || extra.length > 0) throw new UsageError('node add|remove NAME');
      const problem = nodeNameProblem(name);
      if (problem) throw new UsageError(`node name ${problem}`);
      ctx.env.state.load();
      await locked(ctx, async () => {
        if (verb === 'add') {
          await addNode(ctx.env, name);
          await waitNodesReady(ctx.env, [name], int(ctx.values, 'timeout', 60, 1, 3600) * 1000);
        } else {
          if (!ctx.env.state.load().nodes[name]) throw new Error(`no node ${name}`);
          await removeNode(ctx.env, name);
        }
      });
      out(ctx, { node: name, action: verb === 'add' ? 'added' : 'removed' }, `node/${name} ${verb === 'add' ? 'added' : 'removed'}\n`);
      return EXIT_OK;
    },
  },
  agent: {
    options: { signal: { type: 'string' }, timeout: { type: 'string' } },
    async run(ctx) {
      const [verb, name, ...extra] = ctx.positionals;
      if (!['stop', 'start', 'restart'].includes(verb ?? '') || name === undefined || extra.length > 0) throw new UsageError('agent stop|start|restart NODE');
      const signal = (str(ctx.values, 'signal') ?? 'SIGTERM').toUpperCase().replace(/^(?!SIG)/, 'SIG') as NodeJS.Signals;
      const state = ctx.env.state.load();
      const node = state.nodes[name];
      if (!node) throw new Error(`no node ${name}`);
      if (state.static) throw new Error('this lab runs without agents (--no-agent)');
      await locked(ctx, async () => {
        if (verb !== 'start') await stopAgent(ctx.env, name, signal);
        if (verb !== 'stop') {
          await startAgent(ctx.env, node);
          await waitAgentsReady(ctx.env, [name], int(ctx.values, 'timeout', 60, 1, 3600) * 1000);
        }
      });
      const st = verb === 'stop' ? undefined : await agentStatus(nodePaths(ctx.env.labDir, name).socket);
      out(ctx, { node: name, action: verb, status: st }, `agent ${name}: ${verb === 'stop' ? `stopped (${signal})` : 'ready'}\n`);
      return EXIT_OK;
    },
  },
  exec: {
    options: {},
    async run(ctx) {
      const [pod, ...cmd] = ctx.positionals;
      if (pod === undefined || cmd.length === 0) throw new UsageError('exec POD -- CMD [ARGS...]');
      const pods = Object.values(ctx.env.state.load().pods);
      const matches = pod.includes('/') ? pods.filter((p) => `${p.namespace}/${p.name}` === pod) : pods.filter((p) => p.name === pod);
      if (matches.length !== 1) throw new Error(matches.length === 0 ? `no pod ${pod}` : `pod name ${pod} is ambiguous: ${matches.map((p) => `${p.namespace}/${p.name}`).join(', ')}`);
      return execInNetns(netnsPath(matches[0]?.netns ?? ''), cmd);
    },
  },
  down: {
    options: { prefix: { type: 'string' } },
    async run(ctx) {
      const prefix = str(ctx.values, 'prefix');
      const problem = prefix === undefined ? undefined : prefixProblem(prefix);
      if (problem) throw new UsageError(`--prefix: ${problem}`);
      const report = await labDown(ctx.env.labDir, prefix, ctx.env.labDir === DEFAULT_LAB_DIR ? DEFAULT_PREFIX : undefined, ctx.env.progress);
      out(ctx, report, formatDown(report));
      return EXIT_OK;
    },
  },
};

/** `exec` takes everything after `--` as the command, untouched by option parsing. */
function splitExec(argv: readonly string[]): { own: string[]; cmd: string[] } {
  const i = argv.indexOf('--');
  return i < 0 ? { own: [...argv], cmd: [] } : { own: argv.slice(0, i), cmd: argv.slice(i + 1) };
}

async function runLab(argv: readonly string[], io: CliIo, deps: LabCommandDeps): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'serve') return serveCommand(rest, io);
  if (name === 'probe-from') return probeFromCommand(rest, io);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(LAB_USAGE);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const sub = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!sub) throw new UsageError(`unknown lab subcommand "${name}"`);
  const { own, cmd } = name === 'exec' ? splitExec(rest) : { own: rest, cmd: [] };
  const { values, positionals } = parse(own, sub.options);
  if (values.help === true) {
    io.stdout(LAB_USAGE);
    return EXIT_OK;
  }
  const labDir = str(values, 'lab-dir') ?? io.env.PODWIRE_LAB_DIR ?? DEFAULT_LAB_DIR;
  const env = createLabEnv({ labDir, binDir: deps.binDir, progress: deps.progress, log: (line) => io.stderr(`${line}\n`) });
  try {
    return await sub.run({ values, positionals: [...positionals, ...cmd], io, env });
  } finally {
    deps.progressDone();
    env.close();
  }
}

export function labCommand(deps: LabCommandDeps): Command {
  return {
    summary: 'a local multi-node cluster in network namespaces (lab up, apply, probe, status, down, ...)',
    async run(argv, io) {
      try {
        return await runLab(argv, io, deps);
      } catch (err) {
        deps.progressDone();
        if (err instanceof UsageError) {
          io.stderr(`podwirectl lab: ${err.message}\n\n${LAB_USAGE}`);
          return EXIT_USAGE;
        }
        io.stderr(`podwirectl lab: ${err instanceof Error ? err.message : String(err)}\n`);
        return EXIT_FAILED;
      }
    },
  };
}
