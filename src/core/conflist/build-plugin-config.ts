// What each plugin in a chain receives on stdin, and in which order the chain
// runs. Mirrors libcni's buildOneConfig/injectRuntimeConfig (libcni/api.go):
// every plugin gets the list's name and negotiated cniVersion; ADD, CHECK and
// DEL get the previous result as prevResult; runtimeConfig carries only the
// capability arguments the plugin declared in `capabilities` and, when it
// carries any, replaces a runtimeConfig written in the file (as InjectConf
// does). GC and STATUS get no prevResult and no runtimeConfig.
import { CniError, ErrorCode } from '../../cni/errors.js';
import type { ConfList, GcAttachment, PluginConf } from './types.js';

type Json = Record<string, unknown>;

export type ChainCommand = 'ADD' | 'CHECK' | 'DEL' | 'GC' | 'STATUS';

export interface ChainContext {
  /** The list's name, injected into every plugin config. */
  name: string;
  /** The negotiated version, injected into every plugin config. */
  cniVersion: string;
  /** Print-ready result in `cniVersion`'s shape, or undefined for none. */
  prevResult?: Json | undefined;
  /** The runtime's capability arguments (`--capability-args`). */
  capabilityArgs: Readonly<Json>;
}

/** The capability arguments this plugin declared, or undefined when none apply. */
export function runtimeConfigFor(plugin: PluginConf, capabilityArgs: Readonly<Json>): Json | undefined {
  const rc: Json = {};
  for (const capability of plugin.capabilities) {
    if (Object.hasOwn(capabilityArgs, capability) && capabilityArgs[capability] !== undefined) rc[capability] = capabilityArgs[capability];
  }
  return Object.keys(rc).length > 0 ? rc : undefined;
}

/** The config object for one ADD, CHECK or DEL invocation. */
export function buildPluginConfig(plugin: PluginConf, ctx: ChainContext): Json {
  const out: Json = { ...plugin.raw, name: ctx.name, cniVersion: ctx.cniVersion };
  if (ctx.prevResult !== undefined) out.prevResult = ctx.prevResult;
  const rc = runtimeConfigFor(plugin, ctx.capabilityArgs);
  if (rc !== undefined) out.runtimeConfig = rc;
  return out;
}

/** The config object for GC (spec 1.1): name, version and the still-valid attachments. */
export function buildGcConfig(plugin: PluginConf, name: string, cniVersion: string, valid: readonly GcAttachment[]): Json {
  return {
    ...plugin.raw,
    name,
    cniVersion,
    'cni.dev/valid-attachments': valid.map((a) => ({ containerID: a.containerID, ifname: a.ifname })),
  };
}

/** The config object for STATUS (spec 1.1). */
export function buildStatusConfig(plugin: PluginConf, name: string, cniVersion: string): Json {
  return { ...plugin.raw, name, cniVersion };
}

/** Plugin indices in invocation order: DEL unwinds the chain in reverse, the rest run forward. */
export function invocationOrder(command: ChainCommand, count: number): number[] {
  const forward = Array.from({ length: count }, (_, i) => i);
  return command === 'DEL' ? forward.reverse() : forward;
}

/** plugins[i], which invocationOrder guarantees exists. */
export function pluginAt(list: Pick<ConfList, 'plugins'>, i: number): PluginConf {
  const plugin = list.plugins[i];
  if (plugin === undefined) throw new CniError(ErrorCode.Internal, `plugins[${i}]: out of range`);
  return plugin;
}
