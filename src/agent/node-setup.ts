// Bringing this node's half of the datapath up, in an order that never
// exposes a half-built node to its peers:
//   1. find the underlay (the configured interface, or the one holding the
//      default route) and its IPv4 address, MTU and MAC, in this netns;
//   2. forwarding on (net.ipv4.ip_forward): a node routes between pods, the
//      bridge and the overlay;
//   3. wait for our Node object (registering nodes is the kubelet's or the
//      lab's job), then claim a pod block and publish podCIDRs with the
//      underlay address and VTEP MAC (cluster/claim-node-block.ts); an agent
//      that restarts finds its podCIDRs and keeps them;
//   4. the backend's local part (the vxlan device) on that block;
//   5. last, the podwire.io/backend annotation: peers treat a node as
//      reachable only once it is there (peers.ts), so they never program
//      routes towards a node whose device does not exist yet.
// Every step converges: running it again on a set-up node changes nothing.
import { formatCidr, networkOf, tryParseCidr } from '../core/ip/cidr.js';
import type { NetlinkHandle } from '../kernel/netlink/index.js';
import type { LocalDatapath, OverlayBackend, Underlay } from './backends/overlay-backend.js';
import { VXLAN_OVERHEAD, vtepMacOf } from './backends/vxlan-backend.js';
import { claimNodeBlocks } from './cluster/claim-node-block.js';
import type { ClusterSource } from './cluster/cluster-source.js';
import { isNotFound } from './cluster/errors.js';
import type { AgentConfig } from './config.js';
import type { AgentLog } from './log.js';
import { BACKEND_ANNOTATION } from './peers.js';

/** Where pod block claims (Leases) live, as kube-controller-manager keeps its own in kube-system. */
export const CLAIM_NAMESPACE = 'kube-system';

export class NodeSetupError extends Error {
  readonly code = 'NodeSetupFailed';
  constructor(readonly field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'NodeSetupError';
  }
}

export interface UnderlayInfo extends Underlay {
  mac: string | undefined;
}

export interface NodeState {
  podCIDRs: string[];
  /** The IPv4 block. */
  podCIDR: string;
  /** The IPv6 block, dual stack only. */
  podCIDRv6: string | undefined;
  underlay: UnderlayInfo;
  datapath: LocalDatapath;
}

export interface NodeSetupDeps {
  config: AgentConfig;
  kernel: Pick<NetlinkHandle, 'listRoutes' | 'getLink' | 'findLink' | 'listAddresses'>;
  source: ClusterSource;
  backend: OverlayBackend;
  /** ensureSysctl in the agent's own netns. */
  ensureSysctl: (key: string, value: string | number) => boolean;
  log: AgentLog;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

/** The underlay: `configured`, or the interface of the IPv4 default route with the lowest metric. */
export function detectUnderlay(kernel: NodeSetupDeps['kernel'], configured: string | undefined): UnderlayInfo {
  let name = configured;
  let preferredSrc: string | undefined;
  if (name === undefined) {
    const defaults = kernel.listRoutes({ family: 4 })
      .filter((r) => r.dst === '0.0.0.0/0' && r.oif !== undefined)
      .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
    const route = defaults[0];
    if (!route || route.oif === undefined) throw new NodeSetupError('underlayInterface', 'not set and this netns has no IPv4 default route to take it from');
    name = kernel.getLink(route.oif).name;
    preferredSrc = route.src;
  }
  const link = kernel.findLink(name);
  if (!link) throw new NodeSetupError('underlayInterface', `${name}: no such interface in this netns`);
  const addrs = kernel.listAddresses({ dev: link.index, family: 4 }).filter((a) => a.scope === 0);
  const addr = addrs.find((a) => a.address === preferredSrc) ?? addrs[0];
  if (!addr) throw new NodeSetupError('underlayInterface', `${name} has no global IPv4 address`);
  return { name: link.name, index: link.index, ip: addr.address, mtu: link.mtu, mac: link.mac };
}

/** Pod MTU: configured, or the underlay's minus the encapsulation overhead. */
export function podMtu(config: AgentConfig, underlayMtu: number): number {
  const overhead = config.backend === 'vxlan' ? VXLAN_OVERHEAD : 0;
  const mtu = config.mtu ?? underlayMtu - overhead;
  if (mtu > underlayMtu - overhead) {
    throw new NodeSetupError('mtu', `${mtu} does not fit the underlay MTU ${underlayMtu}${overhead ? ` minus ${overhead} bytes of ${config.backend} overhead` : ''}`);
  }
  return mtu;
}

async function waitForNode(deps: NodeSetupDeps): Promise<void> {
  let logged = false;
  for (;;) {
    try {
      await deps.source.get('Node', { name: deps.config.nodeName });
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (!logged) deps.log('warn', 'waiting for the Node object to be registered');
      logged = true;
      await deps.sleep(1000);
    }
  }
}

/**
 * Claims and publishes what peers need (podCIDRs, underlay address, VTEP
 * MAC) and returns the node's blocks; repeatable (main.ts reruns it when
 * our Node object comes back without them).
 */
export async function publishNode(deps: NodeSetupDeps, underlay: UnderlayInfo): Promise<string[]> {
  const { config } = deps;
  await waitForNode(deps);
  const vtepMac = config.backend === 'vxlan' ? vtepMacOf(underlay.ip) : underlay.mac;
  if (vtepMac === undefined) throw new NodeSetupError('underlayInterface', `${underlay.name} has no MAC address`);
  const { podCIDRs } = await claimNodeBlocks(deps.source, {
    nodeName: config.nodeName,
    pools: config.poolV6 ? [config.pool, config.poolV6] : [config.pool],
    underlayIp: underlay.ip,
    vtepMac,
    claimNamespace: CLAIM_NAMESPACE,
    maxAttempts: 20,
    now: deps.now,
  });
  return podCIDRs;
}

/** Publishes the backend annotation: peers start routing to us from here on. */
export async function announceDatapath(deps: NodeSetupDeps): Promise<void> {
  const node = await deps.source.get('Node', { name: deps.config.nodeName });
  if (node.metadata.annotations?.[BACKEND_ANNOTATION] === deps.config.backend) return;
  await deps.source.patch('Node', { name: deps.config.nodeName }, { metadata: { annotations: { [BACKEND_ANNOTATION]: deps.config.backend } } });
}

/** The block of that family among podCIDRs, in network form. */
export function blockOf(podCIDRs: readonly string[], family: 4 | 6): string | undefined {
  for (const text of podCIDRs) {
    const c = tryParseCidr(text);
    if (c?.address.family === family) return formatCidr({ address: networkOf(c), prefix: c.prefix });
  }
  return undefined;
}

export function ipv4Block(podCIDRs: readonly string[], field = 'spec.podCIDRs'): string {
  const block = blockOf(podCIDRs, 4);
  if (block === undefined) throw new NodeSetupError(field, `no IPv4 block in ${JSON.stringify(podCIDRs)}`);
  return block;
}

export async function setupNode(deps: NodeSetupDeps): Promise<NodeState> {
  const { config, log } = deps;
  const underlay = detectUnderlay(deps.kernel, config.underlayInterface);
  const mtu = podMtu(config, underlay.mtu);
  log('info', 'underlay', { interface: underlay.name, ip: underlay.ip, mtu: underlay.mtu, podMtu: mtu });
  if (deps.ensureSysctl('net/ipv4/ip_forward', 1)) log('info', 'enabled IPv4 forwarding');
  if (config.poolV6 && deps.ensureSysctl('net/ipv6/conf/all/forwarding', 1)) log('info', 'enabled IPv6 forwarding');

  const podCIDRs = await publishNode(deps, underlay);
  const podCIDR = ipv4Block(podCIDRs);
  const podCIDRv6 = config.poolV6 ? blockOf(podCIDRs, 6) : undefined;
  if (config.poolV6 && podCIDRv6 === undefined) throw new NodeSetupError('spec.podCIDRs', `no IPv6 block in ${JSON.stringify(podCIDRs)} although clusterCIDRv6 is set`);
  log('info', 'pod block', { podCIDRs: podCIDRs.join(',') });

  const datapath = deps.backend.ensureLocal({
    name: config.nodeName,
    podCIDR,
    clusterCIDR: formatCidr(config.pool.cidr),
    podCIDRv6,
    clusterCIDRv6: config.poolV6 ? formatCidr(config.poolV6.cidr) : undefined,
    underlay,
    mtu,
    vtepMAC: config.backend === 'vxlan' ? vtepMacOf(underlay.ip) : (underlay.mac ?? ''),
  });
  log('info', 'local datapath', { backend: datapath.backend, device: datapath.device, vtepMAC: datapath.vtepMAC, mtu: datapath.mtu, ...('deviceAction' in datapath ? { device_action: datapath.deviceAction } : {}) });
  await announceDatapath(deps);
  return { podCIDRs, podCIDR, podCIDRv6, underlay, datapath };
}
