// What the container runtime does for a pod's network, with the real CNI
// executables: the chain the node's agent wrote to its conf dir, run by the
// conflist runner inside the node's netns (the plugins' "host"), with the
// pod uid as container ID and kubelet's CNI_ARGS, and libcni's result cache
// per node. DEL falls back to the cached configuration when the conf file
// is gone (a node whose agent was stopped), as cri-o and podman do.
import { createCniRunner, findNetworkOrCached, loadNetwork, type CniRunner, type ConfList } from './cni.js';
import { POD_IFNAME, POD_NETWORK, netnsPath, nodePaths } from './layout.js';

export interface PodAttachment {
  namespace: string;
  name: string;
  uid: string;
  netns: string;
}

export interface NodeCni {
  runner: CniRunner;
  confDir: string;
}

export function nodeCni(labDir: string, nodeNetns: string, node: string, binDirs: readonly string[]): NodeCni {
  const paths = nodePaths(labDir, node);
  return {
    runner: createCniRunner({ binDirs, cacheDir: paths.cniCacheDir, hostNetns: netnsPath(nodeNetns), timeoutMs: 30_000 }),
    confDir: paths.cniConfDir,
  };
}

function kubeletArgs(p: PodAttachment): Array<[string, string]> {
  return [
    ['IgnoreUnknown', '1'],
    ['K8S_POD_NAMESPACE', p.namespace],
    ['K8S_POD_NAME', p.name],
    ['K8S_POD_INFRA_CONTAINER_ID', p.uid],
    ['K8S_POD_UID', p.uid],
  ];
}

/** CNI ADD; returns the pod's addresses (without prefix length), in result order. */
export async function attachPod(cni: NodeCni, p: PodAttachment): Promise<string[]> {
  const list: ConfList = loadNetwork(cni.confDir, POD_NETWORK);
  const result = await cni.runner.add(list, { containerId: p.uid, netns: netnsPath(p.netns), ifname: POD_IFNAME, args: kubeletArgs(p) });
  const ips = Array.isArray(result.ips) ? result.ips : [];
  return ips
    .map((ip: unknown) => (typeof ip === 'object' && ip !== null ? String((ip as { address?: unknown }).address ?? '') : ''))
    .filter((a) => a !== '')
    .map((a) => a.split('/')[0] ?? a);
}

/** CNI DEL; "already gone" is success, as the spec asks of every plugin. */
export async function detachPod(cni: NodeCni, p: PodAttachment): Promise<void> {
  const list = findNetworkOrCached(cni.confDir, cni.runner, { network: POD_NETWORK, containerId: p.uid, ifname: POD_IFNAME });
  if (!list) return;
  await cni.runner.del(list, { containerId: p.uid, netns: netnsPath(p.netns), ifname: POD_IFNAME });
}
