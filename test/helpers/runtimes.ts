// Real container runtimes driven against a conflist of ours, for e2e tests:
// podman 4 with its CNI backend, and containerd's `ctr run --cni`.
//
// Design note (see docs/e2e.md and shared/RUNTIMES.md):
// - Network: every runtime process runs inside a throwaway "host" netns made
//   by createNetns('pwe'), entered with `nsenter --net` (never `ip netns exec`:
//   it remounts /sys and runc then finds no cgroup mount). Bridges, veths,
//   iptables/nft rules and ip_forward all land in that namespace.
// - Files: each harness owns one temp dir (`pwe-podman-*`, `pwe-ctr-*`) holding
//   the conflist dir, plugin bin dir, IPAM dataDir, image store and runtime
//   state. Podman is pointed at it with CONTAINERS_CONF/CONTAINERS_STORAGE_CONF;
//   `ctr` has no flags for CNI dirs, so it runs in `unshare -m` with ours
//   bind-mounted over /etc/cni/net.d, /opt/cni/bin and /var/lib/cni.
// - What is still shared with the root: podman's libcni cache
//   (/var/lib/cni/results, not configurable in podman 4.3) and its container
//   netns files (/run/netns/netns-*). Both are removed by `podman rm`;
//   close() removes what a failed test left for our containers only.
// - cgroups: each harness uses its own parent cgroup and removes it on close().
// - Every command has a timeout; close() is idempotent, keeps going past
//   failures and throws them together at the end.
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createNetns } from './netns.js';
import type { TestNetns } from './netns.js';

// ---------------------------------------------------------------- processes

export interface CmdResult { code: number | null; stdout: string; stderr: string }
export interface CmdOptions { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string; /** Throw on a non-zero exit (default true). */ check?: boolean }

/** Runs a command with a hard timeout (SIGKILL); rejects on timeout, and on failure unless check is false. */
export function runCmd(cmd: string, args: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const line = `${cmd} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    const finish = (code: number | null): void => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`${line}: timed out after ${timeoutMs} ms\n${stderr}`));
      else if (opts.check !== false && code !== 0) reject(new Error(`${line}: exit ${String(code)}\n${stderr}${stdout}`));
      else resolve({ code, stdout, stderr });
    };
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    // A daemon started by the command (conmon, a shim) may keep our pipes open:
    // wait for 'close', but no longer than a moment after 'exit'.
    child.on('exit', (code) => {
      const grace = setTimeout(() => finish(code), 500);
      child.on('close', () => { clearTimeout(grace); finish(code); });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** The promise's value, or 'timeout' after ms; the timer never outlives the race. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable on PATH (or the system dirs), undefined if absent. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SYSTEM_PATH];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch { /* next */ }
  }
  return undefined;
}

/** Why a harness cannot run here (not root, missing executables), or undefined when it can. */
export function missingForRuntime(runtime: 'podman' | 'ctr'): string | undefined {
  if (process.getuid?.() !== 0) return 'e2e runtime tests need root';
  const needed = runtime === 'podman'
    ? ['podman', 'conmon', 'runc', 'nsenter', 'tar', 'busybox']
    : ['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc', 'nsenter', 'unshare', 'podman', 'tar', 'busybox'];
  const missing = needed.filter((n) => findExecutable(n) === undefined);
  return missing.length > 0 ? `${runtime} e2e: missing ${missing.join(', ')} (apt-get install podman containerd runc conmon busybox-static)` : undefined;
}

// ---------------------------------------------------------------- image

/**
 * The local busybox image (there is no registry here). Cached across runs in
 * PODWIRE_E2E_IMAGE_DIR (default /var/tmp/podwire-e2e-image), keyed by a hash
 * of the busybox binary: busybox-<hash>/rootfs.tar (for `podman import`) and
 * busybox-<hash>/docker-archive.tar (`podman save`, for `ctr images import`).
 * Files are built in a temp name and renamed: concurrent builders are safe.
 */
export interface E2eImage { ref: string; dir: string; rootfsTar: string; dockerArchive: string }

/** True for a 64-bit little-endian ELF with a PT_INTERP header (a dynamic executable). */
function hasElfInterpreter(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  for (let i = 0; i < elf.readUInt16LE(0x38); i++) {
    const at = phoff + i * phentsize;
    if (at + 4 <= elf.length && elf.readUInt32LE(at) === 3) return true;
  }
  return false;
}

export function ensureE2eImage(): E2eImage {
  const busybox = findExecutable('busybox');
  if (busybox === undefined) throw new Error('busybox not found (apt-get install busybox-static)');
  const binary = readFileSync(busybox);
  // The image has no libc: Debian's dynamic `busybox` package would not start in it.
  if (hasElfInterpreter(binary)) throw new Error(`${busybox} is dynamically linked (apt-get install busybox-static)`);
  const key = createHash('sha256').update(binary).digest('hex').slice(0, 12);
  const dir = join(process.env.PODWIRE_E2E_IMAGE_DIR ?? '/var/tmp/podwire-e2e-image', `busybox-${key}`);
  const image = { ref: `localhost/podwire-e2e-busybox:${key}`, dir, rootfsTar: join(dir, 'rootfs.tar'), dockerArchive: join(dir, 'docker-archive.tar') };
  if (existsSync(image.rootfsTar)) return image;
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.pwe-build-'));
  try {
    const rootfs = join(work, 'rootfs');
    for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'run']) mkdirSync(join(rootfs, d), { recursive: true });
    copyFileSync(busybox, join(rootfs, 'bin/busybox'));
    const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').map((s) => s.trim().replace(/\/$/, ''));
    for (const applet of applets) {
      if (applet === '' || applet === 'bin/busybox') continue;
      mkdirSync(dirname(join(rootfs, applet)), { recursive: true });
      symlinkSync('/bin/busybox', join(rootfs, applet));
    }
    writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\n');
    const tmpTar = join(work, 'rootfs.tar');
    execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', rootfs, '-cf', tmpTar, '.']);
    renameSync(tmpTar, image.rootfsTar);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return image;
}

// ---------------------------------------------------------------- shared pieces

/** The network under test: a name, the dirs holding the plugins under test, and the conflist given a private IPAM dataDir. */
export interface E2eNetwork {
  name: string;
  pluginDirs: readonly string[];
  conflist(dataDir: string): Record<string, unknown>;
}

export interface E2eContainer { name: string; id: string; ip: string }

export interface RuntimeHarness {
  readonly runtime: 'podman' | 'ctr';
  readonly hostNetns: TestNetns;
  readonly network: E2eNetwork;
  /** The IPAM dataDir the conflist was given. */
  readonly ipamDataDir: string;
  /** Starts a long-lived container (`sleep 600`, so it dies by itself) on the network. */
  run(name: string): Promise<E2eContainer>;
  /** Runs a command in the container; never throws on a non-zero exit. */
  exec(name: string, argv: readonly string[], timeoutMs?: number): Promise<CmdResult>;
  /** Starts a background command in the container. */
  execDetached(name: string, argv: readonly string[]): Promise<void>;
  /** Stops and removes the container, running the runtime's CNI DEL. */
  remove(name: string): Promise<void>;
  /** Runtime state (CNI result cache, container netns) still there for a removed container. */
  leftovers(container: E2eContainer): string[];
  close(): Promise<void>;
}

/** Collects cleanup failures so one failure does not stop the rest. */
class Teardown {
  readonly errors: string[] = [];
  async step(what: string, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.errors.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  finish(who: string): void {
    if (this.errors.length > 0) throw new Error(`${who} teardown:\n  ${this.errors.join('\n  ')}`);
  }
}

function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Unmounts (lazily, deepest first) anything still mounted under dir. */
export function unmountUnder(dir: string): void {
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => unescapeMountPath(l.split(' ')[4] ?? ''))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) execFileSync('umount', ['-l', p]);
}

/** Removes a cgroup (and its children) from every mounted hierarchy; absent is done. */
export function removeCgroup(path: string): void {
  const roots = ['/sys/fs/cgroup', ...readdirSync('/sys/fs/cgroup', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join('/sys/fs/cgroup', d.name))];
  const rmTree = (dir: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) rmTree(join(dir, d.name));
    rmdirSync(dir);
  };
  for (const root of roots) if (existsSync(join(root, path))) rmTree(join(root, path));
}

/** rmdir each, in order, if empty: a shared dir another run is using stays. */
function removeEmptyDirs(dirs: readonly string[]): void {
  for (const d of dirs) {
    try { rmdirSync(d); } catch { /* not empty, or gone */ }
  }
}

function populateBinDir(binDir: string, pluginDirs: readonly string[]): void {
  for (const dir of pluginDirs) {
    for (const f of readdirSync(dir)) if (!existsSync(join(binDir, f))) symlinkSync(join(dir, f), join(binDir, f));
  }
}

/** Podman config pointing every path at root/: storage, runtime state, CNI dirs. */
function writePodmanConf(root: string, binDir: string, netDir: string): NodeJS.ProcessEnv {
  // Root cannot raise a hard limit here: stay at or below ours.
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const cap = (label: string, want: number): number => {
    const hard = new RegExp(`^${label}\\s+\\S+\\s+(\\S+)`, 'm').exec(limits)?.[1];
    return hard === undefined || !/^\d+$/.test(hard) ? want : Math.min(Number(hard), want);
  };
  const nofile = cap('Max open files', 20000);
  const nproc = cap('Max processes', 32768);
  for (const d of ['storage', 'runroot', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'containers.conf'), [
    '[containers]',
    `default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]`,
    'log_driver = "k8s-file"',
    '[engine]',
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `tmp_dir = "${join(root, 'tmp')}"`,
    '[network]',
    'network_backend = "cni"',
    `cni_plugin_dirs = ["${binDir}", "/usr/lib/cni"]`,
    `network_config_dir = "${netDir}"`,
    // Podman's own default network is never used; keep it off our subnets.
    'default_subnet = "10.240.255.0/24"',
    '',
  ].join('\n'));
  writeFileSync(join(root, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = "${join(root, 'storage')}"\nrunroot = "${join(root, 'runroot')}"\n`);
  return { ...process.env, CONTAINERS_CONF: join(root, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(root, 'storage.conf') };
}

async function importRootfs(podman: (args: string[], timeoutMs?: number) => Promise<CmdResult>, image: E2eImage): Promise<void> {
  await podman(['import', '-q', '--change', 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin', '--change', 'CMD ["/bin/sh"]', image.rootfsTar, image.ref], 60_000);
}

/** Lays out a harness's temp dir and netns; removes both if the layout fails. */
function layout(prefix: string, network: E2eNetwork): { tmp: string; netns: TestNetns; binDir: string; netDir: string; ipamDataDir: string } {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  let netns: TestNetns | undefined;
  try {
    netns = createNetns('pwe');
    const binDir = join(tmp, 'bin');
    const netDir = join(tmp, 'net.d');
    const ipamDataDir = join(tmp, 'ipam');
    for (const d of [binDir, netDir, ipamDataDir]) mkdirSync(d, { recursive: true });
    populateBinDir(binDir, network.pluginDirs);
    return { tmp, netns, binDir, netDir, ipamDataDir };
  } catch (e) {
    discardLayout({ tmp, netns });
    throw e;
  }
}

function discardLayout(l: { tmp: string; netns: TestNetns | undefined }): void {
  l.netns?.remove();
  unmountUnder(l.tmp);
  rmSync(l.tmp, { recursive: true, force: true });
}

function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what}: not an object`);
  return v as Record<string, unknown>;
}

// ---------------------------------------------------------------- podman

export class PodmanHarness implements RuntimeHarness {
  readonly runtime = 'podman';
  private readonly containers = new Map<string, { id: string; sandbox: string }>();
  private closed = false;
  // libcni's cache dir, which podman 4.3 does not let us move.
  private readonly createsCniCache = !existsSync('/var/lib/cni');

  private constructor(
    readonly network: E2eNetwork,
    readonly hostNetns: TestNetns,
    readonly ipamDataDir: string,
    private readonly tmp: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly image: E2eImage,
  ) {}

  /** Temp dir, host netns, private podman config, the conflist, the image imported. */
  static async start(network: E2eNetwork): Promise<PodmanHarness> {
    const image = ensureE2eImage();
    const l = layout('pwe-podman-', network);
    let h: PodmanHarness | undefined;
    try {
      writeFileSync(join(l.netDir, `${network.name}.conflist`), JSON.stringify(network.conflist(l.ipamDataDir), null, 2));
      const harness = new PodmanHarness(network, l.netns, l.ipamDataDir, l.tmp, writePodmanConf(l.tmp, l.binDir, l.netDir), image);
      h = harness;
      await importRootfs((args, t) => harness.podman(args, t), image);
      return harness;
    } catch (e) {
      if (h !== undefined) await h.close().catch(() => undefined);
      else discardLayout(l);
      throw e;
    }
  }

  /** podman inside the host netns with our config. */
  podman(args: readonly string[], timeoutMs = 30_000, check = true): Promise<CmdResult> {
    return runCmd('nsenter', [`--net=${this.hostNetns.path}`, 'podman', ...args], { env: this.env, timeoutMs, check });
  }

  private get cgroupParent(): string {
    return `/${basename(this.tmp)}`;
  }

  /** `podman run` flags for any container of ours (no registry; our own cgroup parent, not /libpod_parent). */
  baseFlags(): string[] {
    return ['--pull=never', '--cgroup-parent', this.cgroupParent];
  }

  /** `podman run` flags for a container on the network under test. */
  runFlags(): string[] {
    return [...this.baseFlags(), '--network', this.network.name, '--sysctl', 'net.ipv4.ping_group_range=0 0'];
  }

  async run(name: string): Promise<E2eContainer> {
    await this.podman(['run', '-d', '--name', name, ...this.runFlags(), this.image.ref, 'sleep', '600'], 60_000);
    const inspected = JSON.parse((await this.podman(['container', 'inspect', name])).stdout) as unknown;
    const c = asRecord(Array.isArray(inspected) ? inspected[0] : undefined, 'podman inspect');
    const settings = asRecord(c.NetworkSettings, 'NetworkSettings');
    const net = asRecord(asRecord(settings.Networks, 'Networks')[this.network.name], `Networks.${this.network.name}`);
    if (typeof c.Id !== 'string' || typeof net.IPAddress !== 'string' || typeof settings.SandboxKey !== 'string') throw new Error(`podman inspect ${name}: no Id, IPAddress or SandboxKey`);
    this.containers.set(name, { id: c.Id, sandbox: settings.SandboxKey });
    return { name, id: c.Id, ip: net.IPAddress };
  }

  exec(name: string, argv: readonly string[], timeoutMs = 20_000): Promise<CmdResult> {
    return this.podman(['exec', name, ...argv], timeoutMs, false);
  }

  async execDetached(name: string, argv: readonly string[]): Promise<void> {
    await this.podman(['exec', '-d', name, ...argv]);
  }

  async remove(name: string): Promise<void> {
    await this.podman(['rm', '-f', '-t', '0', name], 60_000);
  }

  leftovers(c: E2eContainer): string[] {
    const found: string[] = [];
    const results = '/var/lib/cni/results';
    if (existsSync(results)) found.push(...readdirSync(results).filter((f) => f.startsWith(`${this.network.name}-${c.id}-`)).map((f) => join(results, f)));
    const sandbox = this.containers.get(c.name)?.sandbox;
    if (sandbox !== undefined && existsSync(sandbox)) found.push(sandbox);
    return found;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const t = new Teardown();
    await t.step('podman rm', async () => {
      const names = (await this.podman(['ps', '-a', '--format', '{{.Names}}'])).stdout.split('\n').filter(Boolean);
      if (names.length > 0) await this.podman(['rm', '-f', '-t', '0', ...names], 60_000);
    });
    for (const [name, c] of this.containers) {
      await t.step(`leftovers of ${name}`, () => {
        for (const f of this.leftovers({ name, id: c.id, ip: '' })) {
          if (f.startsWith('/run/netns/')) execFileSync('ip', ['netns', 'delete', basename(f)]);
          else rmSync(f, { force: true });
        }
      });
    }
    if (this.createsCniCache) removeEmptyDirs(['/var/lib/cni/results', '/var/lib/cni']);
    await t.step('unmount', () => unmountUnder(this.tmp));
    await t.step('cgroups', () => removeCgroup(this.cgroupParent));
    await t.step('temp dir', () => rmSync(this.tmp, { recursive: true, force: true }));
    await t.step('host netns', () => this.hostNetns.remove());
    t.finish('PodmanHarness');
  }
}

// ---------------------------------------------------------------- containerd / ctr

// Runs its arguments with our dirs bind-mounted over the paths ctr (go-cni,
// libcni) hard-codes. Inside `unshare -m --propagation private` only. A path
// that does not exist (/opt/cni/bin here) gets an overlay on its deepest
// existing ancestor, so nothing is created in the root filesystem.
const CTR_MOUNTS_SH = `set -eu
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

const CTR_NAMESPACE = 'pwe';

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
