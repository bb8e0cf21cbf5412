// A `podwire-agent serve-cni` process started inside a given network
// namespace (where the agent would run on a node), stopped at the end: for
// `podwirectl bench cni` and the tests. Its final log line counts the
// requests it served and refused, so a caller can prove requests went
// through it and did not quietly fall back to in-process runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';

export interface ServeCniProcess {
  socketPath: string;
  /** SIGTERM, then the served/refused counts from its last log line. */
  stop(): Promise<{ served: number; refused: number }>;
  /** Synchronous last resort for interrupts. */
  kill(): void;
}

const canConnect = (path: string): Promise<boolean> => new Promise((resolve) => {
  const s = connect({ path });
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

export async function startServeCni(binDir: string, hostNetns: string, socketPath: string): Promise<ServeCniProcess> {
  const child: ChildProcess = spawn('nsenter', [`--net=${hostNetns}`, '--', join(binDir, 'podwire-agent'), 'serve-cni', '--socket', socketPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  let log = '';
  child.stderr?.on('data', (b: Buffer) => { log += b.toString('utf8'); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(socketPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`podwire-agent serve-cni did not start: ${log.trim() || 'no output'}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    socketPath,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      const m = /stopped served=(\d+) refused=(\d+)/.exec(log);
      if (!m) throw new Error(`podwire-agent serve-cni did not report its counts: ${log.trim()}`);
      return { served: Number(m[1]), refused: Number(m[2]) };
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
