// CHECK (spec: "CHECK: Check container's networking is as expected"):
// verifies, against prevResult, that the pod interface exists in the netns
// with its MAC, addresses and routes, that its veth peer is our host veth
// and that the host veth is a port of the bridge, that the masquerade
// elements exist when ipMasq is on, and lets IPAM check its lease. The first
// difference found is reported with code 106, naming what differs.
import { CniError, ErrorCode, configError } from '../../cni/errors.js';
import type { CmdArgs } from '../../cni/skel.js';
import type { CniResult } from '../../cni/types.js';
import { namesOf, podAddresses } from './attachment.js';
import { parsePodwireConf } from './config.js';
import type { PodwireDeps } from './deps.js';

function mismatch(what: string): CniError {
  return new CniError(ErrorCode.CheckFailed, what);
}


function checkPod(cmd: CmdArgs, prev: CniResult, deps: PodwireDeps): number {
  const index = (prev.interfaces ?? []).findIndex((i) => i.name === cmd.ifname && i.sandbox);
  if (index < 0) throw mismatch(`prevResult: no interface "${cmd.ifname}" with a sandbox`);
  const expected = prev.interfaces?.[index];
  const pod = deps.openNetlink(cmd.netns);
  try {
    const link = pod.findLink(cmd.ifname);
    if (!link) throw mismatch(`interface "${cmd.ifname}" not found in ${cmd.netns}`);
    if (!link.up) throw mismatch(`interface "${cmd.ifname}" is down`);
    if (expected?.mac && link.mac?.toLowerCase() !== expected.mac.toLowerCase()) {
      throw mismatch(`interface "${cmd.ifname}" has MAC ${link.mac ?? 'none'}, prevResult says ${expected.mac}`);
    }
    const have = new Set(pod.listAddresses({ dev: link.index }).map((a) => a.cidr));
    for (const ip of prev.ips ?? []) {
      if (ip.interface !== index) continue;
      if (!have.has(ip.address)) throw mismatch(`address ${ip.address} missing on "${cmd.ifname}"`);
    }
    const routes = pod.listRoutes({ table: 'all' });
    for (const r of prev.routes ?? []) {
      const found = routes.some((x) => x.dst === r.dst && (!r.gw || x.gw === r.gw));
      if (!found) throw mismatch(`route to ${r.dst}${r.gw ? ` via ${r.gw}` : ''} missing in ${cmd.netns}`);
    }
    return link.linkIndex ?? -1;
  } finally {
    pod.close();
  }
}

export async function check(cmd: CmdArgs, deps: PodwireDeps): Promise<void> {
  const conf = parsePodwireConf(cmd.config);
  const prev = cmd.config.prevResult;
  if (!prev) throw configError('prevResult', 'required for CHECK');
  if (conf.ipamType) await deps.ipam(conf.ipamType).check(cmd);

  const peerIndex = checkPod(cmd, prev, deps);
  const { hostVeth, tag } = namesOf(cmd);
  const host = deps.openNetlink();
  try {
    const veth = host.findLink(hostVeth);
    if (!veth) throw mismatch(`host veth "${hostVeth}" not found`);
    if (veth.index !== peerIndex) throw mismatch(`"${cmd.ifname}" is not paired with host veth "${hostVeth}"`);
    const bridge = host.findLink(conf.bridge);
    if (!bridge || bridge.kind !== 'bridge') throw mismatch(`bridge "${conf.bridge}" not found`);
    if (veth.masterIndex !== bridge.index) throw mismatch(`host veth "${hostVeth}" is not attached to bridge "${conf.bridge}"`);
  } finally {
    host.close();
  }

  if (conf.ipMasq || conf.macspoofchk) {
    const nft = deps.openNft();
    try {
      const ours = nft.listTagged().filter((e) => e.tag === tag);
      if (conf.ipMasq) {
        const addrs = podAddresses((prev.ips ?? []).filter((ip) => ip.interface === undefined || prev.interfaces?.[ip.interface]?.sandbox));
        const present = new Set(ours.filter((e) => e.set.startsWith('masq-src')).map((e) => e.key));
        for (const a of addrs) if (!present.has(a.address)) throw mismatch(`masquerade entry for ${a.address} missing`);
      }
      if (conf.macspoofchk && !ours.some((e) => e.set === 'spoof-allowed')) throw mismatch(`macspoofchk entry for host veth "${hostVeth}" missing`);
    } finally {
      nft.close();
    }
  }
}
