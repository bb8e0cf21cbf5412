// Throwaway network namespaces for tests. Every name carries a prefix, the
// test process's pid and a counter, so parallel runs never collide and a
// leftover is traceable; remove() treats "already gone" as done.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

let counter = 0;

export interface TestNetns {
  name: string;
  /** /run/netns/<name>, what CNI_NETNS expects. */
  path: string;
  /** Runs a command inside the namespace (nsenter keeps /sys untouched). */
  exec(cmd: string, args: string[], input?: string): string;
  remove(): void;
}

export function createNetns(prefix: string): TestNetns {
  const name = `${prefix}${process.pid.toString(36)}-${(counter++).toString(36)}`;
  execFileSync('ip', ['netns', 'add', name]);
  const path = `/run/netns/${name}`;
  execFileSync('nsenter', [`--net=${path}`, 'ip', 'link', 'set', 'lo', 'up']);
  return {
    name,
    path,
    exec(cmd, args, input) {
      return execFileSync('nsenter', [`--net=${path}`, cmd, ...args], {
        encoding: 'utf8',
        ...(input !== undefined ? { input } : {}),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    },
    remove() {
      if (existsSync(path)) execFileSync('ip', ['netns', 'delete', name]);
    },
  };
}

/** Links in a namespace as `ip -j link` reports them (netlink, not /sys). */
export function linksIn(ns: TestNetns): Array<{ ifname: string; operstate: string; flags: string[]; mtu: number; address?: string; master?: string }> {
  return JSON.parse(ns.exec('ip', ['-j', 'link', 'show'])) as ReturnType<typeof linksIn>;
}

/** Addresses in a namespace as `ip -j addr` reports them. */
export function addrsIn(ns: TestNetns, ifname: string): string[] {
  const out = JSON.parse(ns.exec('ip', ['-j', 'addr', 'show', 'dev', ifname])) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
  return out.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
}
