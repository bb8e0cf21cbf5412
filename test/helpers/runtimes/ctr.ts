// containerd's `ctr run --cni`. Part of the e2e runtime harness: see runtimes.ts for the design note.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { TestNetns } from '../netns.js';
import type { CmdResult } from './process.js';
import { runCmd, within } from './process.js';
import type { E2eImage } from './image.js';
import { ensureE2eImage } from './image.js';
import type { E2eContainer, E2eNetwork, RuntimeHarness } from './shared.js';
import { Teardown, importRootfs, layout, removeCgroup, removeEmptyDirs, unmountUnder, writePodmanConf } from './shared.js';

// Runs its arguments with our dirs bind-mounted over the paths ctr (go-cni,
// libcni) hard-codes. Inside `unshare -m --propagation private` only. A path
// that does not exist (/opt/cni/bin here) gets an overlay on its deepest
// existing ancestor, so nothing is created in the root filesystem.
export const CTR_MOUNTS_SH = `set -eu
shadow() {
  if [ ! -d "$2" ]; then
    anc=$(dirname "$2"); while [ ! -d "$anc" ]; do anc=$(dirname "$anc"); done
    mkdir -p "$3/up" "$3/work"
    mount -t overlay pwe-overlay -o "lowerdir=$anc,upperdir=$3/up,workdir=$3/work" "$anc"
    mkdir -p "$2"
  fi
  mount --bind "$1" "$2"
}
shadow "$PWE_CNI_CONF" /etc/cni/net.d "$PWE_SCRATCH/etc"
shadow "$PWE_CNI_BIN" /opt/cni/bin "$PWE_SCRATCH/opt"
shadow "$PWE_CNI_CACHE" /var/lib/cni "$PWE_SCRATCH/var"
exec "$@"`;

export const CTR_NAMESPACE = 'pwe';

export class CtrHarness implements RuntimeHarness {
  readonly runtime = 'ctr';
  private readonly runs = new Map<string, { child: ChildProcess; exited: Promise<number | null> }>();
  private containerd: { child: ChildProcess; exited: Promise<number | null> } | undefined;
  private execCounter = 0;
  private closed = false;
  // The shim puts its socket in /run/containerd/s whatever the config says.
  private readonly createsRunContainerd = !existsSync('/run/containerd');

  private constructor(
    readonly network: E2eNetwork,
    readonly hostNetns: TestNetns,
    readonly ipamDataDir: string,
    private readonly tmp: string,
    private readonly dirs: { binDir: string; netDir: string },
    readonly image: E2eImage,
  ) {}

  private get socket(): string {
    return join(this.tmp, 'containerd.sock');
  }

  private get cacheDir(): string {
    return join(this.tmp, 'cni-cache');
  }

  /** Temp dir, host netns, a private containerd in it, the conflist, the image imported. */
  static async start(network: E2eNetwork): Promise<CtrHarness> {
    const image = ensureE2eImage();
    const l = layout('pwe-ctr-', network);
    const h = new CtrHarness(network, l.netns, l.ipamDataDir, l.tmp, l, image);
    try {
      // ctr reads the first file of the dir: this is the only one.
      writeFileSync(join(l.netDir, `10-${network.name}.conflist`), JSON.stringify(network.conflist(l.ipamDataDir), null, 2));
      await h.startContainerd();
      await h.ensureDockerArchive();
      await h.ctr(['images', 'import', image.dockerArchive], 60_000);
      return h;
    } catch (e) {
      await h.close().catch(() => undefined);
      throw e;
    }
  }

  ctr(args: readonly string[], timeoutMs = 30_000, check = true): Promise<CmdResult> {
    return runCmd('ctr', ['--address', this.socket, '--namespace', CTR_NAMESPACE, ...args], { timeoutMs, check });
  }

  private async startContainerd(): Promise<void> {
    const t = this.tmp;
    for (const d of ['root', 'state', 'opt', 'fifo', 'cni-cache', 'scratch', 'logs']) mkdirSync(join(t, d), { recursive: true });
    writeFileSync(join(t, 'containerd.toml'), [
      'version = 2',
      `root = "${join(t, 'root')}"`,
      `state = "${join(t, 'state')}"`,
      `[grpc]\n  address = "${this.socket}"`,
      `[ttrpc]\n  address = "${this.socket}.ttrpc"`,
      '[plugins]',
      // The default (/opt/containerd) would be created in the root filesystem.
      `  [plugins."io.containerd.internal.v1.opt"]\n    path = "${join(t, 'opt')}"`,
      // CRI is not used by `ctr run`, but it starts: keep it on private dirs.
      '  [plugins."io.containerd.grpc.v1.cri"]',
      '    restrict_oom_score_adj = true',
      '    netns_mounts_under_state_dir = true',
      '    disable_apparmor = true',
      '    stream_server_address = "127.0.0.1"',
      '    [plugins."io.containerd.grpc.v1.cri".cni]',
      `      bin_dir = "${this.dirs.binDir}"`,
      `      conf_dir = "${this.dirs.netDir}"`,
      '',
    ].join('\n'));
    const log = openSync(join(t, 'logs', 'containerd.log'), 'a');
    const child = spawn('nsenter', [`--net=${this.hostNetns.path}`, 'containerd', '--config', join(t, 'containerd.toml')], { stdio: ['ignore', log, log] });
    closeSync(log);
    this.containerd = { child, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if ((await this.ctr(['version'], 5_000, false)).code === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`containerd did not come up; see ${join(t, 'logs', 'containerd.log')}:\n${readFileSync(join(t, 'logs', 'containerd.log'), 'utf8').slice(-2000)}`);
  }

  /** `podman save --format docker-archive` of the image, once per busybox build (cached next to rootfs.tar). */
  private async ensureDockerArchive(): Promise<void> {
    if (existsSync(this.image.dockerArchive)) return;
    const root = join(this.tmp, 'podman');
    mkdirSync(join(root, 'net.d'), { recursive: true });
    const env = writePodmanConf(root, this.dirs.binDir, join(root, 'net.d'));
    const podman = (args: string[], timeoutMs = 60_000): Promise<CmdResult> => runCmd('nsenter', [`--net=${this.hostNetns.path}`, 'podman', ...args], { env, timeoutMs });
    await importRootfs(podman, this.image);
    const part = `${this.image.dockerArchive}.${process.pid}.part`;
    try {
      await podman(['save', '-q', '--format', 'docker-archive', '-o', part, this.image.ref]);
      renameSync(part, this.image.dockerArchive);
    } finally {
      rmSync(part, { force: true });
      unmountUnder(root);
      rmSync(root, { recursive: true, force: true });
    }
  }

  /**
   * `ctr run --cni` in the foreground, kept as our child: ctr runs CNI ADD
   * before starting the task, and DEL only when the task exits while it
   * waits (a detached `ctr run -d` never runs DEL).
   */
  async run(name: string): Promise<E2eContainer> {
    const log = openSync(join(this.tmp, 'logs', `ctr-run-${name}.log`), 'a');
    const env = { ...process.env, PWE_CNI_CONF: this.dirs.netDir, PWE_CNI_BIN: this.dirs.binDir, PWE_CNI_CACHE: this.cacheDir, PWE_SCRATCH: join(this.tmp, 'scratch', name) };
    const child = spawn('nsenter', [
      `--net=${this.hostNetns.path}`, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', CTR_MOUNTS_SH, 'pwe-ctr-mounts',
      'ctr', '--address', this.socket, '--namespace', CTR_NAMESPACE, 'run', '--cni', '--null-io',
      '--fifo-dir', join(this.tmp, 'fifo'), '--runc-root', join(this.tmp, 'runc'), '--cgroup', `/${basename(this.tmp)}/${name}`,
      this.image.ref, name, 'sleep', '600',
    ], { env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.runs.set(name, { child, exited: new Promise((r) => child.on('exit', (code) => r(code))) });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && child.exitCode === null) {
      const tasks = (await this.ctr(['tasks', 'ls'], 10_000, false)).stdout;
      if (tasks.split('\n').some((l) => l.split(/\s+/)[0] === name && l.includes('RUNNING'))) {
        const out = (await this.exec(name, ['ip', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout;
        const ip = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1];
        if (ip === undefined) throw new Error(`ctr container ${name}: no IPv4 address on eth0:\n${out}`);
        return { name, id: `${CTR_NAMESPACE}-${name}`, ip };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`ctr run ${name} did not start; see ${join(this.tmp, 'logs', `ctr-run-${name}.log`)}:\n${readFileSync(join(this.tmp, 'logs', `ctr-run-${name}.log`), 'utf8').slice(-2000)}`);
  }

  exec(name: string, argv: readonly string[], timeoutMs = 20_000): Promise<CmdResult> {
    return this.ctr(['tasks', 'exec', '--fifo-dir', join(this.tmp, 'fifo'), '--exec-id', `pwe-${this.execCounter++}`, name, ...argv], timeoutMs, false);
  }

  async execDetached(name: string, argv: readonly string[]): Promise<void> {
    await this.ctr(['tasks', 'exec', '--detach', '--fifo-dir', join(this.tmp, 'fifo'), '--exec-id', `pwe-${this.execCounter++}`, name, ...argv]);
  }

  /** Kills the task; the waiting `ctr run` then runs CNI DEL and deletes the task; then the container goes. */
  async remove(name: string): Promise<void> {
    await this.ctr(['tasks', 'kill', '--signal', 'SIGKILL', name], 10_000, false);
    const run = this.runs.get(name);
    if (run !== undefined) {
      if (await within(run.exited, 20_000) === 'timeout') {
        run.child.kill('SIGKILL');
        await this.ctr(['tasks', 'delete', '--force', name], 10_000, false);
        throw new Error(`ctr run ${name} did not exit within 20 s of the task kill (CNI DEL may not have run)`);
      }
      this.runs.delete(name);
    }
    await this.ctr(['containers', 'delete', name], 20_000);
  }

  leftovers(c: E2eContainer): string[] {
    const results = join(this.cacheDir, 'results');
    return existsSync(results) ? readdirSync(results).filter((f) => f.startsWith(`${this.network.name}-${c.id}-`)).map((f) => join(results, f)) : [];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const t = new Teardown();
    if (this.containerd !== undefined && this.containerd.child.exitCode === null) {
      const names = (await this.ctr(['containers', 'ls', '-q'], 10_000, false)).stdout.split('\n').filter(Boolean);
      for (const name of names) await t.step(`remove ${name}`, () => this.remove(name));
    }
    for (const [name, run] of this.runs) await t.step(`ctr run ${name}`, () => run.child.kill('SIGKILL'));
    const containerd = this.containerd;
    if (containerd !== undefined) {
      await t.step('stop containerd', async () => {
        if (containerd.child.exitCode !== null) return;
        containerd.child.kill('SIGTERM');
        if (await within(containerd.exited, 10_000) === 'timeout') {
          containerd.child.kill('SIGKILL');
          await containerd.exited;
        }
      });
    }
    await t.step('unmount', () => unmountUnder(this.tmp));
    await t.step('cgroups', () => removeCgroup(`/${basename(this.tmp)}`));
    if (this.createsRunContainerd) {
      // Exiting shims remove their sockets a moment later. Only remove the
      // dirs if empty: another containerd may have started meanwhile.
      for (let i = 0; i < 30 && existsSync('/run/containerd/s') && readdirSync('/run/containerd/s').length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      removeEmptyDirs(['/run/containerd/s', '/run/containerd']);
    }
    await t.step('temp dir', () => rmSync(this.tmp, { recursive: true, force: true }));
    await t.step('host netns', () => this.hostNetns.remove());
    t.finish('CtrHarness');
  }
}
