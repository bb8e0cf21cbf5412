// What the model needs from one input object on its own, apart from the
// rest of the cluster: a pod's parsed addresses, named ports and identity;
// a policy's canonical selectors, parsed ports, ipBlock ranges and the
// problems of its fields. buildPolicyModel() derives these for every object
// on every build; the live table (live-policy.ts) once per object, because
// an input object never changes (the agent's informers replace an object on
// every event, they never edit one in place).
// What depends on other objects (which pods a selector peer selects, which
// policies isolate a pod, positions) is resolved by model.ts on each build,
// and kept up to date per change by the live table.
import { SelectorError, type LabelSelector } from '../cluster/label-selector.js';
import { compareIp, tryParseIp, type IpAddress } from '../ip/address.js';
import type { Labels, NetworkPolicyInput, PeerInput, PodInput, PortInput } from './inputs.js';
import type { IpRange } from './ip-ranges.js';
import { namedPortsOf, parsePortEntry, type NamedPort, type PortEntry } from './ports.js';
import { compileIpBlock, compileSelector, describeSelector, type Selector } from './selectors.js';

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);

export interface PodFacts {
  readonly namespace: string;
  readonly name: string;
  /** "namespace/name". */
  readonly key: string;
  /** Phase Succeeded or Failed: left out of the model. */
  readonly terminal: boolean;
  readonly hostNetwork: boolean;
  readonly node: string | undefined;
  readonly labels: Labels;
  /** status.podIPs, IPv4 first. */
  readonly addresses: readonly IpAddress[];
  /** status.hostIPs: addresses of the pod's node. */
  readonly hostAddresses: readonly IpAddress[];
  readonly namedPorts: ReadonlyMap<string, readonly NamedPort[]>;
}

export function parseAddresses(texts: readonly (string | undefined)[]): IpAddress[] {
  const out: IpAddress[] = [];
  texts.forEach((t, i) => {
    // podIP repeats podIPs[0]: parse each text once.
    if (t === undefined || texts.indexOf(t) < i) return;
    const ip = tryParseIp(t);
    if (ip && !out.some((o) => o.family === ip.family && o.value === ip.value)) out.push(ip);
  });
  return out.length > 1 ? out.sort(compareIp) : out;
}

export function podFacts(p: PodInput): PodFacts {
  const namespace = p.metadata.namespace ?? 'default';
  const name = p.metadata.name;
  return {
    namespace, name, key: `${namespace}/${name}`,
    terminal: TERMINAL_PHASES.has(p.status?.phase ?? ''),
    hostNetwork: p.spec.hostNetwork === true,
    node: p.spec.nodeName,
    labels: p.metadata.labels ?? {},
    addresses: parseAddresses([p.status?.podIP, ...(p.status?.podIPs ?? []).map((x) => x.ip)]),
    hostAddresses: parseAddresses([p.status?.hostIP, ...(p.status?.hostIPs ?? []).map((x) => x.ip)]),
    namedPorts: namedPortsOf(p.spec.containers),
  };
}

const sameAddresses = (a: readonly IpAddress[], b: readonly IpAddress[]): boolean =>
  a.length === b.length && a.every((x, i) => x.family === (b[i] as IpAddress).family && x.value === (b[i] as IpAddress).value);

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function sameNamedPorts(a: ReadonlyMap<string, readonly NamedPort[]>, b: ReadonlyMap<string, readonly NamedPort[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, list] of a) {
    const other = b.get(name);
    if (!other || other.length !== list.length || list.some((p, i) => p.port !== (other[i] as NamedPort).port || p.protocol !== (other[i] as NamedPort).protocol)) return false;
  }
  return true;
}

/** Whether two facts mean the same to the policy engine (a status update that changed nothing it reads). */
export function samePodFacts(a: PodFacts, b: PodFacts): boolean {
  return a.key === b.key && a.terminal === b.terminal && a.hostNetwork === b.hostNetwork && a.node === b.node && sameLabels(a.labels, b.labels)
    && sameAddresses(a.addresses, b.addresses) && sameAddresses(a.hostAddresses, b.hostAddresses) && sameNamedPorts(a.namedPorts, b.namedPorts);
}

/** A peer as far as the policy alone decides it; 'selectors' peers get their pods from the model. */
export type PeerFacts =
  | { readonly kind: 'selectors'; readonly key: string; readonly description: string; readonly namespaceSelector: Selector | undefined; readonly podSelector: Selector | undefined }
  | { readonly kind: 'ipBlock'; readonly key: string; readonly description: string; readonly family: 4 | 6; readonly ranges: readonly IpRange[] }
  | { readonly kind: 'invalid'; readonly description: string };

export interface RuleFacts {
  readonly index: number;
  readonly peers: readonly PeerFacts[] | null;
  readonly ports: readonly PortEntry[] | null;
}

export interface PolicyFacts {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly isolates: { readonly ingress: boolean; readonly egress: boolean };
  /** undefined: the podSelector is invalid and selects nothing. */
  readonly subject: Selector | undefined;
  readonly ingress: readonly RuleFacts[];
  readonly egress: readonly RuleFacts[];
  /** In the order the fields are read: podSelector, then rules, peers before ports. */
  readonly problems: readonly { readonly field: string; readonly message: string }[];
}

/** The directions a policy isolates: explicit policyTypes win; default Ingress, plus Egress with egress rules. */
export function policyTypesOf(p: NetworkPolicyInput): { ingress: boolean; egress: boolean } {
  const explicit = p.spec.policyTypes;
  if (explicit && explicit.length > 0) return { ingress: explicit.includes('Ingress'), egress: explicit.includes('Egress') };
  return { ingress: true, egress: (p.spec.egress ?? []).length > 0 };
}

export function policyFacts(p: NetworkPolicyInput): PolicyFacts {
  const namespace = p.metadata.namespace ?? 'default';
  const name = p.metadata.name;
  const problems: { field: string; message: string }[] = [];
  const problem = (field: string, message: string): void => void problems.push({ field, message });
  const selector = (s: LabelSelector, field: string): Selector | undefined => {
    try {
      return compileSelector(s, field);
    } catch (err) {
      if (err instanceof SelectorError) return void problem(err.field, err.problem);
      throw err;
    }
  };

  const peer = (input: PeerInput, field: string): PeerFacts => {
    const hasSelectors = input.podSelector !== undefined || input.namespaceSelector !== undefined;
    if (input.ipBlock) {
      if (hasSelectors) {
        problem(field, 'may not specify both ipBlock and another peer');
        return { kind: 'invalid', description: 'invalid peer' };
      }
      const block = compileIpBlock(input.ipBlock, `${field}.ipBlock`, problem);
      return block ? { kind: 'ipBlock', ...block } : { kind: 'invalid', description: 'invalid ipBlock' };
    }
    if (!hasSelectors) {
      problem(field, 'must specify a peer');
      return { kind: 'invalid', description: 'invalid peer' };
    }
    const nsSel = input.namespaceSelector ? selector(input.namespaceSelector, `${field}.namespaceSelector`) : undefined;
    const podSel = input.podSelector ? selector(input.podSelector, `${field}.podSelector`) : undefined;
    if ((input.namespaceSelector && !nsSel) || (input.podSelector && !podSel)) return { kind: 'invalid', description: 'invalid selector' };
    const where = nsSel ? `namespaces(${describeSelector(nsSel)})` : `namespace ${namespace}`;
    const key = `${nsSel ? `ns:${nsSel.key}` : `in:${namespace}`}|${podSel ? podSel.key : '*'}`;
    const description = `pods(${podSel ? describeSelector(podSel) : '{}'}) in ${where}`;
    return { kind: 'selectors', key, description, namespaceSelector: nsSel, podSelector: podSel };
  };

  const rules = (list: readonly { from?: readonly PeerInput[]; to?: readonly PeerInput[]; ports?: readonly PortInput[] }[], base: string, peersKey: 'from' | 'to'): RuleFacts[] =>
    list.map((r, index) => {
      const peers = r[peersKey];
      const ports = r.ports;
      return {
        index,
        peers: peers && peers.length > 0 ? peers.map((x, i) => peer(x, `${base}[${index}].${peersKey}[${i}]`)) : null,
        ports: ports && ports.length > 0 ? ports.map((x, i) => {
          const entry = parsePortEntry(x);
          if (entry.kind === 'invalid') problem(`${base}[${index}].ports[${i}]`, entry.problem);
          return entry;
        }) : null,
      };
    });

  const types = policyTypesOf(p);
  const subject = selector(p.spec.podSelector, 'spec.podSelector');
  const ingress = types.ingress ? rules(p.spec.ingress ?? [], 'spec.ingress', 'from') : [];
  const egress = types.egress ? rules(p.spec.egress ?? [], 'spec.egress', 'to') : [];
  return { key: `${namespace}/${name}`, namespace, name, isolates: types, subject, ingress, egress, problems };
}
