// evaluate(): would a new connection be allowed, and why — the basis of
// `podwirectl policy trace`. Semantics (networking.k8s.io/v1):
// - A connection needs egress allowed at its source AND ingress allowed at
//   its destination. Each side is decided only by the policies that select
//   that pod with that policyType ("isolate" it); an isolated side allows
//   the union of all their rules, a non-isolated side allows everything.
//   Ends that are not pod-network pods (nodes, host-network pods, external
//   addresses) have no side of their own.
// - A rule allows when the peer matches one of from/to (empty: any) and the
//   port matches one of ports (empty: any). Peers: podSelector (the policy's
//   namespace), namespaceSelector (every pod there), both (intersection),
//   ipBlock (by address; it matches pod addresses too, as the upstream e2e
//   test "should allow egress access to server in CIDR block" expects).
//   Named ports resolve on the destination pod of the connection.
// - Always allowed: a pod to itself, and a pod to or from its own node
//   (kubelet probes). Replies of an allowed connection are not queries
//   here: the dataplane passes them through conntrack.
// The first allowing (policy, rule, peer, port) in model order is reported.
import { formatIp, ipKey, tryParseIp, type IpAddress, type IpFamily } from '../ip/address.js';
import { PolicyError, type PolicyDirection, type PolicyProtocol } from './inputs.js';
import { rangesContain } from './ip-ranges.js';
import { addressOf, type PeerEntry, type PodEntry, type PolicyModel } from './model.js';
import { portEntryMatches, type NamedPort } from './ports.js';
import { sortedHas } from './selectors.js';

export type Endpoint = { readonly namespace: string; readonly pod: string } | { readonly ip: string };

export interface TrafficQuery {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  /** Default TCP. */
  readonly protocol?: PolicyProtocol;
  /** Address family for pod endpoints; default: that of an {ip} endpoint, else the first both pods have, else 4. */
  readonly family?: IpFamily;
}

export interface AllowedBy {
  readonly policy: string;
  readonly ruleIndex: number;
  /** Position in from/to; null when the rule has none (every peer). */
  readonly peerIndex: number | null;
  /** Position in ports; null when the rule has none (every port). */
  readonly portIndex: number | null;
}

export interface DirectionVerdict {
  /** The pod whose policies decide this side; absent when that end is not a pod-network pod. */
  readonly pod?: string;
  readonly isolated: boolean;
  /** Policies isolating the pod for this direction, "namespace/name", in model order. */
  readonly policies: readonly string[];
  readonly allowed: boolean;
  readonly allowedBy?: AllowedBy;
  readonly reason: string;
}

export interface TrafficVerdict {
  readonly allowed: boolean;
  readonly family: IpFamily;
  readonly from: string;
  readonly to: string;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
  readonly reason: string;
}

type Resolved =
  | { readonly kind: 'pod'; readonly pod: PodEntry; readonly ip: IpAddress | undefined }
  | { readonly kind: 'node'; readonly node: string | undefined; readonly ip: IpAddress | undefined; readonly hostPod?: string }
  | { readonly kind: 'external'; readonly ip: IpAddress };

function parseEndpointIp(text: string, field: string): IpAddress {
  const ip = tryParseIp(text);
  if (!ip) throw new PolicyError('InvalidAddress', `${field}: ${JSON.stringify(text)} is not an IP address`, { field });
  return ip;
}

function resolve(model: PolicyModel, ep: Endpoint, family: IpFamily, field: string): Resolved {
  if ('ip' in ep) {
    const ip = parseEndpointIp(ep.ip, field);
    const key = ipKey(ip);
    const podIndex = model.podByAddress.get(key);
    if (podIndex !== undefined) return { kind: 'pod', pod: model.pods[podIndex] as PodEntry, ip };
    const node = model.nodeByAddress.get(key);
    if (node !== undefined) return { kind: 'node', node, ip };
    return { kind: 'external', ip };
  }
  const key = `${ep.namespace}/${ep.pod}`;
  const podIndex = model.podByKey.get(key);
  if (podIndex !== undefined) {
    const pod = model.pods[podIndex] as PodEntry;
    return { kind: 'pod', pod, ip: addressOf(pod, family) };
  }
  const host = model.hostNetworkPods.get(key);
  if (host) return { kind: 'node', node: host.node, ip: host.addresses.find((a) => a.family === family), hostPod: key };
  throw new PolicyError('UnknownPod', `${field}: no running pod ${key}`, { field, pod: key });
}

function describe(r: Resolved): string {
  const ip = r.ip ? ` (${formatIp(r.ip)})` : '';
  switch (r.kind) {
    case 'pod':
      return `pod ${r.pod.key}${ip}`;
    case 'node':
      return r.hostPod ? `host-network pod ${r.hostPod} on node ${r.node ?? '?'}${ip}` : `node ${r.node ?? '?'}${ip}`;
    case 'external':
      return formatIp(r.ip);
  }
}

function chooseFamily(model: PolicyModel, q: TrafficQuery): IpFamily {
  const ips = [q.from, q.to].flatMap((ep, i) => ('ip' in ep ? [parseEndpointIp(ep.ip, i === 0 ? 'from.ip' : 'to.ip')] : []));
  const families = new Set(ips.map((ip) => ip.family));
  if (q.family !== undefined) families.add(q.family);
  if (families.size > 1) throw new PolicyError('FamilyMismatch', 'from, to and family name different address families');
  const only = [...families][0];
  if (only !== undefined) return only;
  const familiesOf = (ep: Endpoint): IpFamily[] => {
    if ('ip' in ep) return [];
    const key = `${ep.namespace}/${ep.pod}`;
    const i = model.podByKey.get(key);
    const addresses = i !== undefined ? (model.pods[i] as PodEntry).addresses : model.hostNetworkPods.get(key)?.addresses ?? [];
    return addresses.map((a) => a.family);
  };
  const to = familiesOf(q.to);
  return familiesOf(q.from).find((f) => to.includes(f)) ?? 4;
}

function peerMatches(peer: PeerEntry, other: Resolved): boolean {
  switch (peer.kind) {
    case 'pods':
      return other.kind === 'pod' && sortedHas(peer.pods, other.pod.index);
    case 'ipBlock':
      return other.ip !== undefined && rangesContain(peer.ranges, other.ip);
    case 'invalid':
      return false;
  }
}

function firstIndex<T>(list: readonly T[] | null, test: (t: T) => boolean): number | null | undefined {
  if (list === null) return null;
  const i = list.findIndex(test);
  return i < 0 ? undefined : i;
}

function decideSide(
  model: PolicyModel, direction: PolicyDirection, subject: PodEntry, other: Resolved,
  port: number, protocol: PolicyProtocol, destinationPorts: ReadonlyMap<string, readonly NamedPort[]> | undefined,
): DirectionVerdict {
  const isolating = direction === 'ingress' ? subject.ingressPolicies : subject.egressPolicies;
  const policies = isolating.map((i) => model.policies[i]?.key as string);
  if (isolating.length === 0) {
    return { pod: subject.key, isolated: false, policies, allowed: true, reason: `${subject.key} is not isolated for ${direction}: no policy with policyType ${direction === 'ingress' ? 'Ingress' : 'Egress'} selects it` };
  }
  for (const pi of isolating) {
    const policy = model.policies[pi];
    if (!policy) continue;
    for (const rule of direction === 'ingress' ? policy.ingress : policy.egress) {
      const portIndex = firstIndex(rule.ports, (e) => portEntryMatches(e, port, protocol, destinationPorts));
      if (portIndex === undefined) continue;
      const peerIndex = firstIndex(rule.peers, (p) => peerMatches(p, other));
      if (peerIndex === undefined) continue;
      const peersField = direction === 'ingress' ? 'from' : 'to';
      const peerText = peerIndex === null ? `any peer (no ${peersField})` : `${peersField}[${peerIndex}] ${(rule.peers?.[peerIndex] as PeerEntry).description}`;
      const portText = portIndex === null ? 'any port (no ports)' : `ports[${portIndex}]`;
      return {
        pod: subject.key, isolated: true, policies, allowed: true,
        allowedBy: { policy: policy.key, ruleIndex: rule.index, peerIndex, portIndex },
        reason: `allowed by ${policy.key} ${direction}[${rule.index}]: ${peerText}, ${portText}`,
      };
    }
  }
  return {
    pod: subject.key, isolated: true, policies, allowed: false,
    reason: `${subject.key} is isolated for ${direction} by ${policies.join(', ')} and no ${direction} rule allows ${describe(other)} on ${port}/${protocol}`,
  };
}

function notAPod(end: Resolved, direction: PolicyDirection): DirectionVerdict {
  return { isolated: false, policies: [], allowed: true, reason: `${describe(end)} is not a pod-network pod: no ${direction} policy applies` };
}

/** Decides one new connection. Throws PolicyError for unknown pods, bad addresses, ports or families. */
export function evaluate(model: PolicyModel, q: TrafficQuery): TrafficVerdict {
  const protocol = q.protocol ?? 'TCP';
  if (!['TCP', 'UDP', 'SCTP'].includes(protocol)) throw new PolicyError('InvalidPort', `protocol ${JSON.stringify(protocol)} is not TCP, UDP or SCTP`);
  if (!Number.isInteger(q.port) || q.port < 1 || q.port > 65535) throw new PolicyError('InvalidPort', `port ${q.port} is not in 1-65535`);
  const family = chooseFamily(model, q);
  const src = resolve(model, q.from, family, 'from');
  const dst = resolve(model, q.to, family, 'to');
  const from = describe(src);
  const to = describe(dst);

  let exempt: string | undefined;
  if (src.kind === 'pod' && dst.kind === 'pod' && src.pod.index === dst.pod.index) exempt = 'a pod may always reach itself';
  else if (src.kind === 'pod' && dst.kind === 'node' && dst.node !== undefined && dst.node === src.pod.node) exempt = 'traffic between a pod and its own node is always allowed';
  else if (dst.kind === 'pod' && src.kind === 'node' && src.node !== undefined && src.node === dst.pod.node) exempt = 'traffic between a pod and its own node is always allowed';

  let egress = src.kind === 'pod' ? decideSide(model, 'egress', src.pod, dst, q.port, protocol, dst.kind === 'pod' ? dst.pod.namedPorts : undefined) : notAPod(src, 'egress');
  let ingress = dst.kind === 'pod' ? decideSide(model, 'ingress', dst.pod, src, q.port, protocol, dst.pod.namedPorts) : notAPod(dst, 'ingress');
  if (exempt !== undefined) {
    const override = (v: DirectionVerdict): DirectionVerdict => (v.allowed ? v : { ...v, allowed: true, reason: `${exempt as string} (${v.reason})` });
    egress = override(egress);
    ingress = override(ingress);
    return { allowed: true, family, from, to, egress, ingress, reason: `allowed: ${exempt}` };
  }
  const allowed = egress.allowed && ingress.allowed;
  const reason = allowed
    ? `allowed: egress: ${egress.reason}; ingress: ${ingress.reason}`
    : `denied: ${[egress, ingress].filter((v) => !v.allowed).map((v) => v.reason).join('; ')}`;
  return { allowed, family, from, to, egress, ingress, reason };
}
