// Turns a finished plugin process into a value or a typed error, like
// libcni's invoke package: exit 0 means success (stdout is the result for
// ADD, ignored otherwise); a non-zero exit should come with a CNI error
// object on stdout, which we keep exactly (code, msg, details) so a runtime
// or test can match on the plugin's own code. Anything else (no JSON, a
// signal, a timeout) is a DelegateFailed error carrying stderr.
import { CniError, ErrorCode } from '../../cni/errors.js';
import type { ChainCommand } from './build-plugin-config.js';
import type { PluginConf } from './types.js';

export interface ProcessOutcome {
  /** null when the process was killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface PluginCallSite {
  command: ChainCommand;
  plugin: Pick<PluginConf, 'index' | 'type'>;
  timeoutMs: number;
}

/** Which plugin of the chain, for messages: `type="bridge" (plugins[0])`. */
export function describePlugin(plugin: Pick<PluginConf, 'index' | 'type'>): string {
  return `type="${plugin.type}" (plugins[${plugin.index}])`;
}

/** A plugin's own CNI error, kept verbatim, plus where in the chain it came from. */
export class PluginError extends CniError {
  readonly command: ChainCommand;
  readonly plugin: Pick<PluginConf, 'index' | 'type'>;

  constructor(code: number, msg: string, details: string | undefined, site: Pick<PluginCallSite, 'command' | 'plugin'>) {
    super(code, msg, details);
    this.name = 'PluginError';
    this.command = site.command;
    this.plugin = site.plugin;
  }

  /** libcni's wording: `plugin type="bridge" (plugins[0]) failed (add): <msg>: <details>`. */
  describe(): string {
    return `plugin ${describePlugin(this.plugin)} failed (${this.command.toLowerCase()}): ${this.message}`;
  }
}

/** A one-line account of any error, with the plugin's place in the chain when it came from one. */
export function explainError(err: CniError): string {
  return err instanceof PluginError ? err.describe() : err.message;
}

function lastLines(text: string, max = 20): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-max).join('\n');
}

function asCniErrorJson(stdout: string): { code: number; msg: string; details?: string } | undefined {
  try {
    const v: unknown = JSON.parse(stdout);
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o.code !== 'number' || !Number.isInteger(o.code)) return undefined;
    const msg = typeof o.msg === 'string' ? o.msg : '';
    return typeof o.details === 'string' && o.details !== '' ? { code: o.code, msg, details: o.details } : { code: o.code, msg };
  } catch {
    return undefined;
  }
}

/**
 * The decoded stdout of a successful ADD (undefined when it printed nothing,
 * and for every other command); throws PluginError or CniError otherwise.
 */
export function interpretOutcome(outcome: ProcessOutcome, site: PluginCallSite): unknown {
  const who = `plugin ${describePlugin(site.plugin)}`;
  const verb = site.command.toLowerCase();
  if (outcome.timedOut) {
    throw new CniError(ErrorCode.DelegateFailed, `${who} timed out (${verb}) after ${site.timeoutMs} ms and was killed`, lastLines(outcome.stderr) || undefined);
  }
  if (outcome.exitCode !== 0) {
    const err = asCniErrorJson(outcome.stdout);
    if (err !== undefined) throw new PluginError(err.code, err.msg, err.details, site);
    const how = outcome.exitCode === null ? `was killed by ${outcome.signal ?? 'a signal'}` : `exited with status ${outcome.exitCode}`;
    throw new CniError(ErrorCode.DelegateFailed, `${who} failed (${verb}): ${how} without a CNI error on stdout`, lastLines(outcome.stderr || outcome.stdout) || undefined);
  }
  if (site.command !== 'ADD' || outcome.stdout.trim() === '') return undefined;
  try {
    return JSON.parse(outcome.stdout) as unknown;
  } catch (err) {
    throw new CniError(ErrorCode.DecodeFailure, `${who} printed a result that is not JSON (${verb})`, err instanceof Error ? err.message : String(err));
  }
}
