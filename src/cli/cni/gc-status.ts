// GC and STATUS for a list (spec 1.1; libcni GCNetworkList and
// GetStatusNetworkList). GC first DELs every cached attachment of this
// network that the runtime no longer lists as valid, then (1.1.0+) sends GC
// to every plugin with the valid list so they can drop leaks the cache never
// knew about. Without a list from the caller, every cached attachment of the
// network is taken as valid: nothing is deleted and plugins are told what the
// cache holds. Errors are collected, not fatal, as in libcni.
import { CniError, toCniError } from '../../cni/errors.js';
import { buildGcConfig, buildStatusConfig, invocationOrder, pluginAt } from '../../core/conflist/build-plugin-config.js';
import { negotiateVersion, supportsGcAndStatus } from '../../core/conflist/negotiate-version.js';
import { explainError } from '../../core/conflist/plugin-output.js';
import type { ConfList, GcAttachment } from '../../core/conflist/types.js';
import type { CniRunner } from './runner.js';

export interface GcOutcome {
  /** False when the list sets disableGC. */
  ran: boolean;
  cniVersion: string;
  /** The valid attachments used. */
  valid: GcAttachment[];
  /** Stale cached attachments that were deleted. */
  deleted: GcAttachment[];
  /** Whether GC was sent to the plugins (1.1.0 and later). */
  pluginsCalled: boolean;
}

export interface StatusOutcome {
  /** False when the list's version predates STATUS (libcni then reports ready). */
  ran: boolean;
  cniVersion: string;
}

const noTarget = { containerId: '', netns: '', ifname: '', args: [] } as const;

function sameAttachment(a: GcAttachment, b: GcAttachment): boolean {
  return a.containerID === b.containerID && a.ifname === b.ifname;
}

/** Several failures become one error: the first one's code, every message in details. */
function joinErrors(errors: CniError[]): CniError | undefined {
  const [first] = errors;
  if (first === undefined || errors.length === 1) return first;
  return new CniError(first.code, `gc: ${errors.length} failures`, errors.map(explainError).join('\n'));
}

export async function gcNetwork(runner: CniRunner, list: ConfList, validGiven?: readonly GcAttachment[]): Promise<GcOutcome> {
  const cniVersion = negotiateVersion(list, runner.deps.versions);
  if (list.disableGC) return { ran: false, cniVersion, valid: [], deleted: [], pluginsCalled: false };
  const cached = runner.deps.cache.list().filter((r) => r.networkName === list.name);
  const valid = validGiven !== undefined ? [...validGiven] : cached.map((r) => ({ containerID: r.containerId, ifname: r.ifName }));
  const errors: CniError[] = [];
  const deleted: GcAttachment[] = [];
  for (const record of cached) {
    const attachment = { containerID: record.containerId, ifname: record.ifName };
    if (valid.some((v) => sameAttachment(v, attachment))) continue;
    try {
      await runner.del(list, {
        containerId: record.containerId,
        netns: record.netns ?? '',
        ifname: record.ifName,
        args: record.cniArgs ?? [],
        capabilityArgs: record.capabilityArgs ?? {},
      });
      deleted.push(attachment);
    } catch (err) {
      const e = toCniError(err);
      errors.push(new CniError(e.code, `failed to delete stale attachment ${record.containerId} ${record.ifName}: ${explainError(e)}`));
    }
  }
  const pluginsCalled = supportsGcAndStatus(cniVersion, runner.deps.versions);
  if (pluginsCalled) {
    const paths = runner.locate(list);
    for (const i of invocationOrder('GC', list.plugins.length)) {
      const plugin = pluginAt(list, i);
      try {
        await runner.invoke('GC', plugin, paths[i] ?? '', buildGcConfig(plugin, list.name, cniVersion, valid), noTarget);
      } catch (err) {
        errors.push(toCniError(err));
      }
    }
  }
  const failure = joinErrors(errors);
  if (failure !== undefined) throw failure;
  return { ran: true, cniVersion, valid, deleted, pluginsCalled };
}

/** STATUS: every plugin forward; the first one not ready is the answer (libcni does not collect here). */
export async function statusNetwork(runner: CniRunner, list: ConfList): Promise<StatusOutcome> {
  const cniVersion = negotiateVersion(list, runner.deps.versions);
  if (!supportsGcAndStatus(cniVersion, runner.deps.versions)) return { ran: false, cniVersion };
  const paths = runner.locate(list);
  for (const i of invocationOrder('STATUS', list.plugins.length)) {
    const plugin = pluginAt(list, i);
    await runner.invoke('STATUS', plugin, paths[i] ?? '', buildStatusConfig(plugin, list.name, cniVersion), noTarget);
  }
  return { ran: true, cniVersion };
}
