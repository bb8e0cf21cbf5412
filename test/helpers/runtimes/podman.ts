// podman 4 with its CNI backend. Part of the e2e runtime harness: see runtimes.ts for the design note.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TestNetns } from '../netns.js';
import type { CmdResult } from './process.js';
import { runCmd } from './process.js';
import type { E2eImage } from './image.js';
import { ensureE2eImage } from './image.js';
import type { E2eContainer, E2eNetwork, RuntimeHarness } from './shared.js';
import { Teardown, asRecord, discardLayout, importRootfs, layout, removeCgroup, removeEmptyDirs, unmountUnder, writePodmanConf } from './shared.js';

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
    private readonly netDir: string,
  ) {}

  /** Temp dir, host netns, private podman config, the conflist, the image imported. */
  static async start(network: E2eNetwork): Promise<PodmanHarness> {
    const image = ensureE2eImage();
    const l = layout('pwe-podman-', network);
    let h: PodmanHarness | undefined;
    try {
      writeFileSync(join(l.netDir, `${network.name}.conflist`), JSON.stringify(network.conflist(l.ipamDataDir), null, 2));
      const harness = new PodmanHarness(network, l.netns, l.ipamDataDir, l.tmp, writePodmanConf(l.tmp, l.binDir, l.netDir), image, l.netDir);
      h = harness;
      await importRootfs((args, t) => harness.podman(args, t), image);
      return harness;
    } catch (e) {
      if (h !== undefined) await h.close().catch(() => undefined);
      else discardLayout(l);
      throw e;
    }
  }

  /** One more CNI network podman can use (`--network <name>`), with the same IPAM data dir. */
  addNetwork(network: E2eNetwork): void {
    writeFileSync(join(this.netDir, `${network.name}.conflist`), JSON.stringify(network.conflist(this.ipamDataDir), null, 2));
  }

  /** The harness's private temp dir (removed by close()). */
  get tempDir(): string {
    return this.tmp;
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
