// One pod as the live table (live-policy.ts) keeps it: what the policy
// engine reads of it (model-facts.ts, derived once per pod object; the
// object itself is not kept), the element texts of its addresses, whether
// it is on this node, and, for a local pod, which policies isolate it and
// which class chain that puts it in. A pod object that changes what the
// engine reads is replaced by a new LivePod; only the isolation part is
// updated in place, as policies come and go. Named-port declarations are
// shared between pods declaring the same ones (PortsInterner): pods of one
// workload all do.
import { formatIp, type IpAddress, type IpFamily } from '../ip/address.js';
import type { Labels, PolicyDirection } from './inputs.js';
import type { LiveClass } from './live-classes.js';
import type { IsolationList, LivePolicyEntry } from './live-isolation.js';
import type { SelectablePod } from './live-selection.js';
import type { PodFacts } from './model-facts.js';
import type { NamedPort } from './ports.js';

export interface PodIsolation {
  /** The policies isolating the pod, as of the last update (undefined: none). */
  list: IsolationList | undefined;
  /** The same list being edited since then; undefined when untouched. */
  draft: LivePolicyEntry[] | undefined;
  /** The class chain its dispatch entry jumps to. */
  cls: LiveClass | undefined;
}

export interface LivePod extends SelectablePod, PodFacts {
  /** Set once the pod has left: late query events about it are ignored. */
  removed: boolean;
  readonly labels: Labels;
  /** Not terminated, not host-network: selectable, and a member of peer sets. */
  readonly selectable: boolean;
  /** Selectable and on this node: gets dispatch entries and a class. */
  readonly local: boolean;
  /** Element texts and values of its first address of each family. */
  readonly text4: string | undefined;
  readonly text6: string | undefined;
  readonly value4: bigint | undefined;
  readonly value6: bigint | undefined;
  readonly isolation: Record<PolicyDirection, PodIsolation>;
}

export const textOf = (p: LivePod, f: IpFamily): string | undefined => (f === 4 ? p.text4 : p.text6);
export const valueOf = (p: LivePod, f: IpFamily): bigint | undefined => (f === 4 ? p.value4 : p.value6);

type NamedPorts = ReadonlyMap<string, readonly NamedPort[]>;

/** One shared map per distinct named-port declaration, counted by the pods holding it. */
export class PortsInterner {
  private readonly maps = new Map<string, { readonly map: NamedPorts; holders: number }>();
  private readonly keys = new WeakMap<NamedPorts, string>();

  intern(m: NamedPorts): NamedPorts {
    let key = '';
    for (const [name, list] of m) for (const p of list) key += `${name}/${p.protocol}/${p.port};`;
    let hit = this.maps.get(key);
    if (!hit) {
      this.maps.set(key, (hit = { map: m, holders: 0 }));
      this.keys.set(m, key);
    }
    hit.holders += 1;
    return hit.map;
  }

  /** A pod holding `m` (from intern) is gone. */
  release(m: NamedPorts): void {
    const key = this.keys.get(m);
    const hit = key === undefined ? undefined : this.maps.get(key);
    if (!hit || key === undefined) return;
    hit.holders -= 1;
    if (hit.holders === 0) this.maps.delete(key);
  }
}

/** formatIp, without its per-octet allocations for IPv4 (10,000 pods are parsed at start). */
function addressText(ip: IpAddress): string {
  if (ip.family === 6) return formatIp(ip);
  const n = Number(ip.value);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function livePod(facts: PodFacts, node: string | undefined, ports: PortsInterner): LivePod {
  const selectable = !facts.terminal && !facts.hostNetwork;
  let v4: IpAddress | undefined;
  let v6: IpAddress | undefined;
  for (const a of facts.addresses) {
    if (a.family === 4) v4 ??= a;
    else v6 ??= a;
  }
  // An explicit literal: spreading the facts and adding fields costs V8 a dictionary round trip per pod.
  return {
    namespace: facts.namespace, name: facts.name, key: facts.key, terminal: facts.terminal, hostNetwork: facts.hostNetwork, node: facts.node,
    labels: facts.labels, addresses: facts.addresses, hostAddresses: facts.hostAddresses, namedPorts: ports.intern(facts.namedPorts),
    removed: false, slot: -1, selectable, local: selectable && (node === undefined || facts.node === node),
    text4: v4 && addressText(v4), text6: v6 && addressText(v6), value4: v4?.value, value6: v6?.value,
    isolation: { ingress: { list: undefined, draft: undefined, cls: undefined }, egress: { list: undefined, draft: undefined, cls: undefined } },
  };
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The model's pod order: by namespace, then name. */
export const comparePods = (a: { readonly namespace: string; readonly name: string }, b: { readonly namespace: string; readonly name: string }): number =>
  byText(a.namespace, b.namespace) || byText(a.name, b.name);
