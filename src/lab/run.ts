// Short external commands (`ip`, `nsenter`) for the lab's topology. The lab is
// a test bed, not a dataplane: it shells out to iproute2 rather than speaking
// netlink, which keeps each step readable in the logs and reproducible by
// hand. Failures carry the command line and its stderr.
import { execFile } from 'node:child_process';

export class CommandError extends Error {
  constructor(readonly command: string, readonly stderr: string, readonly exitCode: number | null) {
    super(`${command}: ${stderr.trim() || `exit ${exitCode ?? 'signal'}`}`);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, [...args], { encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
        reject(new CommandError([cmd, ...args].join(' '), stderr || err.message, code));
      } else {
        resolve(stdout);
      }
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** `ip -n NETNS -batch -`: many iproute2 commands in one process, stopping at the first failure. */
export function ipBatch(netns: string, commands: readonly string[]): Promise<string> {
  return run('ip', ['-n', netns, '-batch', '-'], { input: `${commands.join('\n')}\n` });
}

/** A command inside a netns (only the network namespace changes). */
export function runIn(netnsPath: string, cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return run('nsenter', [`--net=${netnsPath}`, cmd, ...args], opts);
}
