// Finds plugin executables and runs them as real processes, the runtime's
// half of the CNI protocol: config on stdin, CNI_* in the environment, the
// result or error on stdout. The environment is exactly what the caller
// built (see core/conflist/plugin-env.ts); a timeout kills the plugin with
// SIGKILL so a hung plugin cannot hang the runner (or a test) forever.
// With `hostNetns`, plugins run inside that network namespace (via nsenter,
// which leaves the mount namespace and /sys alone): the side a plugin like
// the reference bridge treats as "host" is wherever it runs, so an
// in-process caller (the lab) targets a node's namespace this way instead of
// its own, which may be the root namespace.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../../cni/errors.js';
import type { ProcessOutcome } from '../../core/conflist/plugin-output.js';

export interface PluginExecutor {
  /** The executable for plugin `type` in the first bin dir that has it (libcni's FindInPath). */
  find(type: string, binDirs: readonly string[]): string | undefined;
  run(path: string, env: Record<string, string>, stdin: string, timeoutMs: number): Promise<ProcessOutcome>;
}

export class ProcessPluginExecutor implements PluginExecutor {
  /** `hostNetns`: a netns path such as /run/netns/node1 to run every plugin in. */
  constructor(private readonly hostNetns?: string) {}

  find(type: string, binDirs: readonly string[]): string | undefined {
    for (const dir of binDirs) {
      const candidate = join(dir, type);
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // not in this dir; try the next
      }
    }
    return undefined;
  }

  run(path: string, env: Record<string, string>, stdin: string, timeoutMs: number): Promise<ProcessOutcome> {
    return new Promise((resolve, reject) => {
      const [cmd, argv] = this.hostNetns !== undefined ? ['nsenter', [`--net=${this.hostNetns}`, '--', path]] : [path, []];
      // nsenter is found on the plugin's PATH; a missing netns makes it exit 1 with its reason on stderr.
      const child = spawn(cmd, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new CniError(ErrorCode.DelegateFailed, `could not start plugin ${path}`, e.message));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          exitCode: code,
          signal,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          timedOut,
        });
      });
      // A plugin may exit without reading stdin (e.g. on a usage error):
      // that EPIPE is not our failure, its exit status tells the story.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    });
  }
}
