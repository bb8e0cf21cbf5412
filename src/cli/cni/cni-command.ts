// `podwirectl cni ...`: parse the command line, load the network, run the
// verb, print. add prints the result JSON; the other verbs print one summary
// line, or with --json one JSON object. A failure prints the CNI error JSON
// on stdout with --json (a plugin's own code/msg/details kept as it gave
// them), and always a one-line explanation on stderr; exit 1.
import { toCniError, type CniError } from '../../cni/errors.js';
import { parseConfList } from '../../core/conflist/parse-conflist.js';
import { explainError } from '../../core/conflist/plugin-output.js';
import { findNetwork, type ConfFile } from '../../core/conflist/select-network.js';
import type { ConfList } from '../../core/conflist/types.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from '../io.js';
import { CNI_USAGE, parseCniInvocation, type CniInvocation } from './cni-options.js';
import { networkNotFound } from './conf-dir.js';
import type { RunnerOptions } from './create-runner.js';
import type { CniRunner } from './runner.js';

export interface CniCommandDeps {
  makeRunner(opts: RunnerOptions): CniRunner;
  readConfDir(dir: string): ConfFile[];
}

type Json = Record<string, unknown>;

/**
 * The list to run. DEL of a network whose file is gone falls back to the
 * configuration cached at ADD, as cri-o and podman do, so an attachment can
 * still be torn down after its config was removed.
 */
function resolveList(inv: CniInvocation, runner: CniRunner, deps: CniCommandDeps): ConfList {
  const list = findNetwork(deps.readConfDir(inv.confDir), inv.network);
  if (list !== undefined) return list;
  if (inv.verb === 'del') {
    let cached;
    try {
      cached = runner.deps.cache.read({ network: inv.network, containerId: inv.containerId, ifname: inv.ifname });
    } catch {
      cached = undefined;
    }
    if (cached !== undefined && cached.config !== '') return parseConfList(cached.config);
  }
  throw networkNotFound(inv.network, inv.confDir);
}

function where(inv: CniInvocation): string {
  return `network ${inv.network}, container ${inv.containerId}, ifname ${inv.ifname}`;
}

async function execute(inv: CniInvocation, runner: CniRunner, list: ConfList): Promise<{ json: Json; line: string }> {
  const att = { containerId: inv.containerId, netns: inv.netns, ifname: inv.ifname, args: inv.args, capabilityArgs: inv.capabilityArgs };
  const ids = { network: list.name, containerId: inv.containerId, ifname: inv.ifname };
  switch (inv.verb) {
    case 'add': {
      const result = await runner.add(list, att);
      return { json: result, line: `${JSON.stringify(result, null, 4)}` };
    }
    case 'check': {
      const o = await runner.check(list, att);
      const line = o.ran ? `check: ok (${where(inv)})` : `check: skipped, disableCheck is set (${where(inv)})`;
      return { json: { command: 'CHECK', ...ids, ...o }, line };
    }
    case 'del': {
      const o = await runner.del(list, att);
      return { json: { command: 'DEL', ...ids, ...o }, line: `del: ok (${where(inv)}${o.usedCachedResult ? '' : ', no cached result'})` };
    }
    case 'gc': {
      const o = await runner.gc(list, inv.validAttachments);
      const line = !o.ran
        ? `gc: skipped, disableGC is set (network ${list.name})`
        : `gc: deleted ${o.deleted.length} stale attachment(s) of network ${list.name}; ${o.pluginsCalled ? `GC sent to ${list.plugins.length} plugin(s)` : `plugins not called (cniVersion ${o.cniVersion} predates GC)`}`;
      return { json: { command: 'GC', network: list.name, ...o }, line };
    }
    case 'status': {
      const o = await runner.status(list);
      const line = o.ran ? `status: ready (network ${list.name})` : `status: ready (network ${list.name}; cniVersion ${o.cniVersion} predates STATUS, plugins not asked)`;
      return { json: { command: 'STATUS', network: list.name, ready: true, ...o }, line };
    }
  }
}

export async function runCni(argv: readonly string[], io: CliIo, deps: CniCommandDeps): Promise<number> {
  const wantsJson = argv.includes('--json');
  let verb = 'cni';
  try {
    const inv = parseCniInvocation(argv);
    if (inv === 'help') {
      io.stdout(CNI_USAGE);
      return EXIT_OK;
    }
    verb = `cni ${inv.verb}`;
    const runner = deps.makeRunner({
      binDirs: inv.binDirs,
      cacheDir: inv.cacheDir,
      timeoutMs: inv.timeoutMs,
      path: io.env.PATH,
      onPluginStderr: (text, plugin) => io.stderr(prefixLines(text, `[${plugin.type}] `)),
    });
    const list = resolveList(inv, runner, deps);
    const out = await execute(inv, runner, list);
    io.stdout(`${inv.json && inv.verb !== 'add' ? JSON.stringify(out.json) : out.line}\n`);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`podwirectl ${verb}: ${err.message}\n\n${CNI_USAGE}`);
      return EXIT_USAGE;
    }
    const e: CniError = toCniError(err);
    if (wantsJson) io.stdout(`${JSON.stringify(e.toJSON())}\n`);
    io.stderr(`podwirectl ${verb}: ${explainError(e)} (code ${e.code})\n`);
    return EXIT_FAILED;
  }
}

function prefixLines(text: string, prefix: string): string {
  return text.trimEnd().split('\n').map((l) => `${prefix}${l}\n`).join('');
}

export function cniCommand(deps: CniCommandDeps): Command {
  return {
    summary: 'run a CNI network configuration against a network namespace (add, check, del, gc, status)',
    run: (argv, io) => runCni(argv, io, deps),
  };
}
