// Where everything of one lab lives: namespace names, interface names,
// underlay addresses and paths under the lab directory. Pure: every other lab
// module derives names from here, so `lab down` can find what `lab up` made
// from the prefix and the lab directory alone.
//
// Invariants:
// - every netns of a lab is named `<prefix>-<something>`; the separator keeps
//   prefix `pwlt12` from matching a lab with prefix `pwlt123`;
// - the fabric is `<prefix>-fabric`, a node `<prefix>-<node>`, a pod
//   `<prefix>-pod-<namespace>-<name>` (hashed when too long), so node names
//   "fabric" and "pod-*" are refused;
// - the underlay is one /24: the fabric bridge holds .1 (every node's default
//   gateway), node slot i holds .(10+i).
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const DEFAULT_LAB_DIR = '/run/podwire-lab';
export const DEFAULT_PREFIX = 'pwlab';
export const UNDERLAY_NET = '10.255.0';
export const UNDERLAY_PREFIX_LEN = 24;
export const FABRIC_ADDRESS = `${UNDERLAY_NET}.1`;
export const FABRIC_BRIDGE = 'br0';
export const NODE_UNDERLAY_IF = 'eth0';
export const CLUSTER_CIDR = '10.244.0.0/16';
export const BLOCK_SIZE = 24;
export const MAX_NODE_SLOTS = 200;
/** The network name the agent's conflist declares. */
export const POD_NETWORK = 'podwire';
export const POD_IFNAME = 'eth0';

const PREFIX_RE = /^[a-z][a-z0-9]{1,15}$/;
const NODE_RE = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
const RESERVED_NODE_NAMES = new Set(['fabric', 'store', 'pods']);

export function prefixProblem(prefix: string): string | undefined {
  return PREFIX_RE.test(prefix) ? undefined : `"${prefix}" must be 2-16 lowercase letters and digits, starting with a letter`;
}

export function nodeNameProblem(name: string): string | undefined {
  if (!NODE_RE.test(name)) return `"${name}" must be a DNS label of at most 32 characters`;
  if (RESERVED_NODE_NAMES.has(name) || name.startsWith('pod-')) return `"${name}" is reserved by the lab`;
  return undefined;
}

export function fabricNetns(prefix: string): string {
  return `${prefix}-fabric`;
}

export function nodeNetns(prefix: string, node: string): string {
  return `${prefix}-${node}`;
}

function shortHash(text: string, chars: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, chars);
}

export function podNetns(prefix: string, namespace: string, name: string): string {
  const plain = `${prefix}-pod-${namespace}-${name}`;
  return plain.length <= 120 ? plain : `${prefix}-pod-${shortHash(`${namespace}/${name}`, 16)}`;
}

/** Whether a netns name belongs to the lab with this prefix. */
export function ownsNetns(prefix: string, netns: string): boolean {
  return netns.startsWith(`${prefix}-`);
}

export function netnsPath(netns: string): string {
  return `/run/netns/${netns}`;
}

/** The fabric's end of a node's underlay veth (15 characters at most). */
export function fabricPort(node: string): string {
  const plain = `v-${node}`;
  return plain.length <= 15 ? plain : `v-${shortHash(node, 13)}`;
}

export function nodeAddress(slot: number): string {
  return `${UNDERLAY_NET}.${10 + slot}`;
}

/**
 * The MAC of a node's underlay interface, fixed by its slot (locally
 * administered, last octet = the address's): a node removed and re-added
 * under the same address keeps its MAC, so the other nodes' ARP entries for
 * it stay right instead of pointing at a vanished interface for minutes.
 */
export function nodeMac(slot: number): string {
  return `02:50:0a:ff:00:${(10 + slot).toString(16).padStart(2, '0')}`;
}

export function nodePaths(labDir: string, node: string) {
  const dir = join(labDir, node);
  return {
    dir,
    config: join(dir, 'agent.json'),
    log: join(dir, 'agent.log'),
    socket: join(dir, 'agent.sock'),
    cniConfDir: join(dir, 'net.d'),
    cniCacheDir: join(dir, 'cni-cache'),
    stateDir: join(dir, 'state'),
    serverLog: join(dir, 'server.log'),
  };
}

export type NodePaths = ReturnType<typeof nodePaths>;

export function labPaths(labDir: string) {
  return {
    state: join(labDir, 'state.json'),
    lock: join(labDir, 'lab.lock'),
    store: join(labDir, 'store'),
    podsDir: join(labDir, 'pods'),
  };
}

export function podLog(labDir: string, namespace: string, name: string): string {
  return join(labPaths(labDir).podsDir, `${namespace}.${name}.log`);
}

/** `ns/name` */
export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
