// Shared by the IPAM unit tests: CmdArgs built through the real config parser,
// and an in-memory LeaseStore (a fake of a pure interface) that can be told
// to fail, to exercise ADD's undo.
import type { CmdArgs } from '../../../src/cni/skel.js';
import { parseNetConf } from '../../../src/cni/netconf.js';
import type { CniCommand } from '../../../src/cni/types.js';
import { formatIp, tryParseIp, type IpAddress } from '../../../src/core/ip/address.js';
import { formatLeaseFile, parseLeaseFile, type Attachment, type Lease } from '../../../src/core/ipam/lease.js';
import type { LeaseStore, LeaseTransaction } from '../../../src/store/lease-store.js';
import type { IpamDeps } from '../../../src/plugins/ipam/deps.js';

export interface CallOptions {
  command?: CniCommand;
  containerId?: string;
  ifname?: string;
  args?: string;
}

export function cmdFor(config: Record<string, unknown>, opts: CallOptions = {}): CmdArgs {
  const stdin = JSON.stringify(config);
  return {
    command: opts.command ?? 'ADD',
    containerId: opts.containerId ?? 'c1',
    netns: '/run/netns/unused',
    ifname: opts.ifname ?? 'eth0',
    args: opts.args ?? '',
    path: ['/usr/lib/cni'],
    stdin,
    config: parseNetConf(JSON.parse(stdin) as unknown),
  };
}

export function netconf(ipam: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { cniVersion: '1.1.0', name: 'unit', type: 'podwire-ipam', ipam: { type: 'podwire-ipam', ...ipam }, ...extra };
}

export function ip(text: string): IpAddress {
  const v = tryParseIp(text);
  if (!v) throw new Error(`bad test address ${text}`);
  return v;
}

export class MemoryLeaseStore implements LeaseStore {
  /** Lease files by address text, holding host-local's bytes. */
  readonly files = new Map<string, string>();
  readonly last = new Map<number, string>();
  exists = true;
  /** reserve() throws after this many successful reservations. */
  failAfter = Infinity;
  problem: string | undefined = undefined;
  locks = 0;

  async withLock<T>(fn: (tx: LeaseTransaction) => T): Promise<T> {
    this.exists = true;
    this.locks++;
    return fn(this.tx());
  }

  async withExistingLock<T>(fn: (tx: LeaseTransaction) => T): Promise<T | undefined> {
    if (!this.exists) return undefined;
    this.locks++;
    return fn(this.tx());
  }

  writeProblem(): string | undefined {
    return this.problem;
  }

  private tx(): LeaseTransaction {
    return {
      leases: (): Lease[] => [...this.files].map(([name, text]) => ({ ip: ip(name), owner: parseLeaseFile(text) })),
      lastReserved: (i) => {
        const t = this.last.get(i);
        return t === undefined ? undefined : tryParseIp(t);
      },
      reserve: (addr: IpAddress, owner: Attachment, i: number) => {
        const name = formatIp(addr);
        if (this.files.has(name)) return false;
        if (this.failAfter <= 0) throw new Error('disk full');
        this.failAfter--;
        this.files.set(name, formatLeaseFile(owner));
        this.last.set(i, name);
        return true;
      },
      release: (addr) => {
        this.files.delete(formatIp(addr));
      },
    };
  }
}

export function memoryDeps(store: MemoryLeaseStore, files: Record<string, string> = {}): IpamDeps {
  return {
    openStore: () => store,
    readTextFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    },
  };
}
