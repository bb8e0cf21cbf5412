// What both harnesses share: the interface, teardown, dirs, mounts, cgroups. Part of the e2e runtime harness: see runtimes.ts for the design note.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns } from '../netns.js';
import type { TestNetns } from '../netns.js';
import type { CmdResult } from './process.js';
import type { E2eImage } from './image.js';

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
export class Teardown {
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

export function unescapeMountPath(s: string): string {
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
export function removeEmptyDirs(dirs: readonly string[]): void {
  for (const d of dirs) {
    try { rmdirSync(d); } catch { /* not empty, or gone */ }
  }
}

export function populateBinDir(binDir: string, pluginDirs: readonly string[]): void {
  for (const dir of pluginDirs) {
    for (const f of readdirSync(dir)) if (!existsSync(join(binDir, f))) symlinkSync(join(dir, f), join(binDir, f));
  }
}

/** Podman config pointing every path at root/: storage, runtime state, CNI dirs. */
export function writePodmanConf(root: string, binDir: string, netDir: string): NodeJS.ProcessEnv {
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

export async function importRootfs(podman: (args: string[], timeoutMs?: number) => Promise<CmdResult>, image: E2eImage): Promise<void> {
  await podman(['import', '-q', '--change', 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin', '--change', 'CMD ["/bin/sh"]', image.rootfsTar, image.ref], 60_000);
}

/** Lays out a harness's temp dir and netns; removes both if the layout fails. */
export function layout(prefix: string, network: E2eNetwork): { tmp: string; netns: TestNetns; binDir: string; netDir: string; ipamDataDir: string } {
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

export function discardLayout(l: { tmp: string; netns: TestNetns | undefined }): void {
  l.netns?.remove();
  unmountUnder(l.tmp);
  rmSync(l.tmp, { recursive: true, force: true });
}

export function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what}: not an object`);
  return v as Record<string, unknown>;
}
