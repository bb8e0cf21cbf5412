// Runs a network configuration list against one attachment, as libcni does
// for container runtimes (libcni/api.go: AddNetworkList, CheckNetworkList,
// DelNetworkList). Plugins are real processes (PluginExecutor); the cache
// is libcni's (ResultCache); the planning is pure (core/conflist).
//
// Deliberate differences from libcni, each to fail earlier or clearer:
// - every plugin's executable is located before the first one runs, so a
//   missing plugin cannot leave the earlier ones' work behind;
// - each plugin's result is validated (parseResult) and handed to the next
//   plugin converted to the list's version, as libcni does for cached ones;
// - CHECK without a cached result is code 3 instead of plugins failing on a
//   missing prevResult;
// - DEL and CHECK reuse the cached CNI_ARGS and capability arguments when the
//   caller gives none (what cri-o does with GetNetworkListCachedConfig).
import { CniError, ErrorCode, configError } from '../../cni/errors.js';
import { convertResult, parseResult } from '../../cni/result.js';
import { buildPluginConfig, invocationOrder, pluginAt, type ChainCommand } from '../../core/conflist/build-plugin-config.js';
import type { CacheRecord } from '../../core/conflist/cache-record.js';
import { goJson } from '../../core/conflist/go-json.js';
import { negotiateVersion, supportsCheck, type VersionSupport } from '../../core/conflist/negotiate-version.js';
import { pluginEnv } from '../../core/conflist/plugin-env.js';
import { describePlugin, interpretOutcome } from '../../core/conflist/plugin-output.js';
import { validateContainerId, validateIfname, validateNetworkName } from '../../core/conflist/runtime-args.js';
import type { CniArgPairs, ConfList, GcAttachment, PluginConf } from '../../core/conflist/types.js';
import { gcNetwork, statusNetwork, type GcOutcome, type StatusOutcome } from './gc-status.js';
import type { PluginExecutor } from './plugin-executor.js';
import type { CacheKey, ResultCache } from './result-cache.js';

type Json = Record<string, unknown>;

export interface RunnerDeps {
  executor: PluginExecutor;
  cache: ResultCache;
  versions: VersionSupport;
  /** Where plugins are looked up, in order; also CNI_PATH. */
  binDirs: readonly string[];
  /** PATH handed to plugins. */
  path: string;
  timeoutMs: number;
  /** A plugin's stderr, once it has exited (libcni streams it to the runtime's stderr). */
  onPluginStderr?: ((text: string, plugin: PluginConf, command: ChainCommand) => void) | undefined;
}

export interface Attachment {
  containerId: string;
  /** CNI_NETNS; may be empty for DEL, as the spec allows. */
  netns: string;
  ifname: string;
  /** CNI_ARGS pairs; for CHECK and DEL, undefined means "as cached at ADD". */
  args?: CniArgPairs | undefined;
  /** Capability arguments; for CHECK and DEL, undefined means "as cached at ADD". */
  capabilityArgs?: Json | undefined;
}

/** What a plugin invocation needs besides its config. */
export interface InvocationTarget {
  containerId: string;
  netns: string;
  ifname: string;
  args: CniArgPairs;
}

export interface CheckOutcome {
  /** False when the list disables CHECK. */
  ran: boolean;
  cniVersion: string;
}

export interface DelOutcome {
  cniVersion: string;
  /** Whether a cached result was handed to the plugins as prevResult. */
  usedCachedResult: boolean;
}

export class CniRunner {
  constructor(readonly deps: RunnerDeps) {}

  /** ADD: the chain forward, each result the next one's prevResult; caches and returns the last. */
  async add(list: ConfList, att: Attachment): Promise<Json> {
    validateAttachment(list, att);
    const cniVersion = negotiateVersion(list, this.deps.versions);
    const paths = this.locate(list);
    const target = targetOf(att, undefined);
    const capabilityArgs = att.capabilityArgs ?? {};
    let prevResult: Json | undefined;
    let final: Json | undefined;
    for (const i of invocationOrder('ADD', list.plugins.length)) {
      const plugin = pluginAt(list, i);
      const config = buildPluginConfig(plugin, { name: list.name, cniVersion, prevResult, capabilityArgs });
      const raw = await this.invoke('ADD', plugin, paths[i] ?? '', config, target);
      if (raw === undefined) throw new CniError(ErrorCode.DecodeFailure, `plugin ${describePlugin(plugin)} printed no result (add)`);
      const result = parseResult(raw, `result of plugins[${i}]`);
      prevResult = convertResult(result, cniVersion);
      final = convertResult(result, result.cniVersion);
    }
    const result = final ?? {};
    this.deps.cache.write({
      containerId: att.containerId,
      ifName: att.ifname,
      networkName: list.name,
      config: list.bytes,
      netns: att.netns,
      cniArgs: target.args,
      capabilityArgs,
      result,
    });
    return result;
  }

  /** CHECK: the chain forward with the cached result as prevResult. */
  async check(list: ConfList, att: Attachment): Promise<CheckOutcome> {
    validateAttachment(list, att);
    const cniVersion = negotiateVersion(list, this.deps.versions);
    if (!supportsCheck(cniVersion, this.deps.versions)) {
      throw new CniError(ErrorCode.IncompatibleVersion, `cniVersion: "${cniVersion}" does not support the CHECK command`, 'CHECK needs 0.4.0 or later');
    }
    if (list.disableCheck) return { ran: false, cniVersion };
    const key = keyOf(list, att);
    const record = this.deps.cache.read(key);
    if (record?.result === undefined) {
      throw new CniError(ErrorCode.UnknownContainer, `no cached result for network "${list.name}", container "${att.containerId}", interface "${att.ifname}"`, `looked for ${this.deps.cache.pathOf(key)}; run ADD with the same cache dir first`);
    }
    const prevResult = convertResult(parseResult(record.result, 'cached result'), cniVersion);
    const paths = this.locate(list);
    const target = targetOf(att, record);
    const capabilityArgs = att.capabilityArgs ?? record.capabilityArgs ?? {};
    for (const i of invocationOrder('CHECK', list.plugins.length)) {
      const plugin = pluginAt(list, i);
      await this.invoke('CHECK', plugin, paths[i] ?? '', buildPluginConfig(plugin, { name: list.name, cniVersion, prevResult, capabilityArgs }), target);
    }
    return { ran: true, cniVersion };
  }

  /**
   * DEL: the chain in reverse with the cached result (0.4.0+), then the cache
   * entry is removed. Like libcni it stops at the first failing plugin and
   * keeps the cache entry, so a retry still has the prevResult.
   */
  async del(list: ConfList, att: Attachment): Promise<DelOutcome> {
    validateAttachment(list, att);
    const cniVersion = negotiateVersion(list, this.deps.versions);
    const key = keyOf(list, att);
    let record: CacheRecord | undefined;
    let prevResult: Json | undefined;
    if (supportsCheck(cniVersion, this.deps.versions)) {
      try {
        record = this.deps.cache.read(key);
        if (record?.result !== undefined) prevResult = convertResult(parseResult(record.result, 'cached result'), cniVersion);
      } catch {
        // libcni: an unreadable cache entry is dropped and DEL goes on without it.
        this.deps.cache.remove(key);
        record = undefined;
        prevResult = undefined;
      }
    }
    const paths = this.locate(list);
    const target = targetOf(att, record);
    const capabilityArgs = att.capabilityArgs ?? record?.capabilityArgs ?? {};
    for (const i of invocationOrder('DEL', list.plugins.length)) {
      const plugin = pluginAt(list, i);
      await this.invoke('DEL', plugin, paths[i] ?? '', buildPluginConfig(plugin, { name: list.name, cniVersion, prevResult, capabilityArgs }), target);
    }
    this.deps.cache.remove(key);
    return { cniVersion, usedCachedResult: prevResult !== undefined };
  }

  /** GC (see gc-status.ts); `valid` undefined means every cached attachment is still valid. */
  gc(list: ConfList, valid?: readonly GcAttachment[]): Promise<GcOutcome> {
    return gcNetwork(this, list, valid);
  }

  /** STATUS (see gc-status.ts). */
  status(list: ConfList): Promise<StatusOutcome> {
    return statusNetwork(this, list);
  }

  /** Each plugin's executable, found before anything runs. */
  locate(list: ConfList): string[] {
    return list.plugins.map((plugin) => {
      const path = this.deps.executor.find(plugin.type, this.deps.binDirs);
      if (path === undefined) {
        throw configError(`plugins[${plugin.index}].type`, `no plugin executable "${plugin.type}" in ${this.deps.binDirs.join(':') || '(no bin dirs)'}`);
      }
      return path;
    });
  }

  /** One plugin process; returns the decoded ADD result (undefined for other commands). */
  async invoke(command: ChainCommand, plugin: PluginConf, path: string, config: Json, target: InvocationTarget): Promise<unknown> {
    const env = pluginEnv({ command, ...target, binDirs: this.deps.binDirs, path: this.deps.path });
    const outcome = await this.deps.executor.run(path, env, goJson(config), this.deps.timeoutMs);
    if (outcome.stderr !== '') this.deps.onPluginStderr?.(outcome.stderr, plugin, command);
    return interpretOutcome(outcome, { command, plugin, timeoutMs: this.deps.timeoutMs });
  }
}

export function keyOf(list: ConfList, att: Pick<Attachment, 'containerId' | 'ifname'>): CacheKey {
  return { network: list.name, containerId: att.containerId, ifname: att.ifname };
}

function validateAttachment(list: ConfList, att: Attachment): void {
  // These three become a cache file name: keep them from escaping the cache dir.
  validateNetworkName(list.name);
  validateContainerId(att.containerId);
  validateIfname(att.ifname);
}

function targetOf(att: Attachment, record: CacheRecord | undefined): InvocationTarget {
  return { containerId: att.containerId, netns: att.netns, ifname: att.ifname, args: att.args ?? record?.cniArgs ?? [] };
}
