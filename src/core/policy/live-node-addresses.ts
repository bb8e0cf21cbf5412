// Which addresses are a node's own, as model.ts assigns them: an address
// belongs to its first claimant, Node objects (their InternalIP and
// ExternalIP) in name order first, then pods in the model's order: a pod
// claims its status.hostIPs for its node, a host-network pod its pod IPs
// too. Claims are kept per address, so a change recomputes one owner.
import { compareIp, ipKey, type IpAddress } from '../ip/address.js';
import { comparePods, type LivePod } from './live-pod.js';

interface Claims {
  readonly ip: IpAddress;
  readonly nodes: Set<string>;
  readonly pods: Set<LivePod>;
  owner: string | undefined;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The addresses a pod claims for its node. */
function podClaims(p: LivePod): readonly IpAddress[] {
  if (p.terminal || p.node === undefined) return [];
  return p.hostNetwork ? [...p.hostAddresses, ...p.addresses] : p.hostAddresses;
}

export class NodeAddressBook {
  private readonly claims = new Map<string, Claims>();
  private readonly nodes = new Map<string, readonly IpAddress[]>();
  private readonly owned = new Map<string, Map<string, IpAddress>>();

  setNode(name: string, addresses: readonly IpAddress[] | undefined): void {
    for (const ip of this.nodes.get(name) ?? []) this.edit(ip, (c) => c.nodes.delete(name));
    if (addresses) this.nodes.set(name, addresses);
    else this.nodes.delete(name);
    for (const ip of addresses ?? []) this.edit(ip, (c) => c.nodes.add(name));
  }

  addPod(p: LivePod): void {
    for (const ip of podClaims(p)) this.edit(ip, (c) => c.pods.add(p));
  }

  removePod(p: LivePod): void {
    for (const ip of podClaims(p)) this.edit(ip, (c) => c.pods.delete(p));
  }

  /** The node's own addresses, ascending. */
  of(node: string): IpAddress[] {
    return [...(this.owned.get(node)?.values() ?? [])].sort(compareIp);
  }

  private edit(ip: IpAddress, change: (c: Claims) => void): void {
    const key = ipKey(ip);
    let c = this.claims.get(key);
    if (!c) this.claims.set(key, (c = { ip, nodes: new Set(), pods: new Set(), owner: undefined }));
    change(c);
    let owner: string | undefined;
    if (c.nodes.size > 0) owner = [...c.nodes].sort(byText)[0];
    else {
      let first: LivePod | undefined;
      for (const p of c.pods) if (!first || comparePods(p, first) < 0) first = p;
      owner = first?.node;
    }
    if (owner !== c.owner) {
      if (c.owner !== undefined) this.owned.get(c.owner)?.delete(key);
      if (owner !== undefined) {
        let mine = this.owned.get(owner);
        if (!mine) this.owned.set(owner, (mine = new Map()));
        mine.set(key, c.ip);
      }
      c.owner = owner;
    }
    if (c.nodes.size === 0 && c.pods.size === 0) this.claims.delete(key);
  }
}
