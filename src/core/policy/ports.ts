// NetworkPolicyPort semantics, shared by evaluation and compilation.
// - protocol defaults to TCP; a port entry matches only its protocol;
// - no port: every port of that protocol; port + endPort: an inclusive range;
// - a named port means the containerPort declared under that name, with that
//   protocol, on the DESTINATION pod of the connection (for ingress rules the
//   selected pod, for egress rules the peer). A destination that is not a pod,
//   or declares no such port, does not match. Port names are unique within a
//   pod (API validation), but one name may carry different numbers on
//   different pods, which is why compilation resolves names per pod.
import type { PolicyProtocol, PortInput } from './inputs.js';

export interface NamedPort {
  readonly protocol: PolicyProtocol;
  readonly port: number;
}

export type PortEntry =
  | { readonly kind: 'all'; readonly protocol: PolicyProtocol }
  | { readonly kind: 'range'; readonly protocol: PolicyProtocol; readonly from: number; readonly to: number }
  | { readonly kind: 'named'; readonly protocol: PolicyProtocol; readonly name: string }
  /** Fails API validation; kept so indices stay those of the spec, matches nothing. */
  | { readonly kind: 'invalid'; readonly problem: string };

const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP'];

const isPortNumber = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;

export function parsePortEntry(p: PortInput): PortEntry {
  const protocol = p.protocol ?? 'TCP';
  if (!PROTOCOLS.includes(protocol)) return { kind: 'invalid', problem: `protocol ${JSON.stringify(protocol)} is not TCP, UDP or SCTP` };
  if (p.port === undefined) {
    if (p.endPort !== undefined) return { kind: 'invalid', problem: 'endPort without port' };
    return { kind: 'all', protocol };
  }
  if (typeof p.port === 'string') {
    if (p.endPort !== undefined) return { kind: 'invalid', problem: 'endPort with a named port' };
    if (p.port === '') return { kind: 'invalid', problem: 'empty port name' };
    return { kind: 'named', protocol, name: p.port };
  }
  if (!isPortNumber(p.port)) return { kind: 'invalid', problem: `port ${String(p.port)} is not in 1-65535` };
  const to = p.endPort ?? p.port;
  if (!isPortNumber(to) || to < p.port) return { kind: 'invalid', problem: `endPort ${String(p.endPort)} is not in ${p.port}-65535` };
  return { kind: 'range', protocol, from: p.port, to };
}

/** Container port numbers declared as `name` with `protocol` on a pod. */
export function resolveNamedPort(namedPorts: ReadonlyMap<string, readonly NamedPort[]> | undefined, name: string, protocol: PolicyProtocol): number[] {
  return (namedPorts?.get(name) ?? []).filter((p) => p.protocol === protocol).map((p) => p.port);
}

/** Whether one entry admits (port, protocol) towards a destination declaring `destinationPorts` (undefined: not a pod). */
export function portEntryMatches(
  entry: PortEntry,
  port: number,
  protocol: PolicyProtocol,
  destinationPorts: ReadonlyMap<string, readonly NamedPort[]> | undefined,
): boolean {
  switch (entry.kind) {
    case 'invalid':
      return false;
    case 'all':
      return entry.protocol === protocol;
    case 'range':
      return entry.protocol === protocol && entry.from <= port && port <= entry.to;
    case 'named':
      return entry.protocol === protocol && resolveNamedPort(destinationPorts, entry.name, protocol).includes(port);
  }
}

/** Named ports of a pod from its containers' declarations (protocol defaults to TCP). */
export function namedPortsOf(containers: readonly { readonly ports?: readonly { readonly name?: string; readonly containerPort: number; readonly protocol?: PolicyProtocol }[] }[]): Map<string, NamedPort[]> {
  const out = new Map<string, NamedPort[]>();
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.name || !isPortNumber(p.containerPort)) continue;
      let list = out.get(p.name);
      if (!list) out.set(p.name, (list = []));
      list.push({ protocol: p.protocol ?? 'TCP', port: p.containerPort });
    }
  }
  return out;
}
