// ADD (spec section 2, "ADD"; the lifecycle of the reference bridge plugin):
// validate everything first, then acquire in order — bridge, veth pair
// (peer born inside the pod netns under CNI_IFNAME), IPAM lease, pod
// addresses and routes, gateway, masquerade and macspoof elements — each
// acquisition registering its undo at once. Any failure unwinds the stack,
// so a failed ADD leaves no veth, no lease and no nft element behind.
import { CniError, ErrorCode } from '../../cni/errors.js';
import type { CmdArgs } from '../../cni/skel.js';
import type { CniInterface, CniResult } from '../../cni/types.js';
import { MASQ_CHAIN_SPEC, renderMasqAdd } from '../../core/masq/render.js';
import { renderSpoofAdd, SPOOF_CHAIN_SPEC } from '../../core/masq/spoof.js';
import type { NetnsFile } from '../../kernel/netns.js';
import type { NetlinkHandle } from '../../kernel/netlink/index.js';
import { masqEntries, namesOf, podAddresses, requestedMac } from './attachment.js';
import { parsePodwireConf } from './config.js';
import type { PodwireDeps } from './deps.js';
import { defaultMtu, ensureBridge, ensureGatewayAddresses } from './host-side.js';
import { configurePod, planPodRoutes } from './pod-side.js';
import { ALIAS_PREFIX } from './gc.js';
import { UndoStack } from './undo.js';

export async function add(cmd: CmdArgs, deps: PodwireDeps): Promise<CniResult> {
  const conf = parsePodwireConf(cmd.config);
  const mac = requestedMac(cmd);
  const { hostVeth, tag } = namesOf(cmd);
  const undo = new UndoStack();
  const closers: Array<{ close(): void }> = [];
  try {
    const netns: NetnsFile = deps.openNetns(cmd.netns);
    closers.push(netns);
    const host: NetlinkHandle = deps.openNetlink();
    closers.push(host);
    const pod: NetlinkHandle = deps.openNetlink(netns);
    closers.push(pod);
    if (pod.findLink(cmd.ifname)) {
      throw new CniError(ErrorCode.InterfaceExists, `CNI_IFNAME: "${cmd.ifname}" already exists in ${cmd.netns}`);
    }

    // No DAD on the bridge's IPv6 link-local address: while it is tentative
    // (~2 s) the host sends no neighbour solicitations to pods, so IPv6 from
    // other nodes to the first pod stalls. Absent IPv6 (ENOENT) is fine.
    const bridge = ensureBridge(host, conf, undo, (name) => {
      try {
        deps.ensureSysctl(`net/ipv6/conf/${name}/accept_dad`, '0');
      } catch {
        // IPv6 disabled in this netns
      }
    });
    const mtu = conf.mtu ?? defaultMtu(host);
    // The host veth exists only while this (containerID, ifname) is attached
    // somewhere: a half-done ADD would have left its pod end in this netns
    // (refused above), and a removed pod netns takes the pair with it. So
    // this is a live duplicate, as the reference refuses too; replacing it
    // would cut the other pod off.
    if (host.findLink(hostVeth)) {
      throw new CniError(ErrorCode.DuplicateAttachment, `container "${cmd.containerId}" is already attached as ${cmd.ifname} (host veth ${hostVeth}); DEL it first`);
    }
    host.createVeth({ name: hostVeth, peerName: cmd.ifname, mtu, peerNetnsFd: netns.fd, ...(mac ? { peerMac: mac } : {}) });
    undo.push(`veth ${hostVeth}`, () => { host.removeLink(hostVeth); });
    host.setLinkAlias(hostVeth, `${ALIAS_PREFIX}${tag}`);
    host.setLinkMaster(hostVeth, bridge.index);
    if (conf.hairpinMode) host.setBridgePortHairpin(hostVeth, true);
    host.setLinkUp(hostVeth);

    let ipam: CniResult = { cniVersion: cmd.config.cniVersion };
    if (conf.ipamType) {
      const delegate = deps.ipam(conf.ipamType);
      ipam = await delegate.add(cmd);
      undo.push('ipam lease', () => delegate.del(cmd));
    }
    const addrs = podAddresses(ipam.ips ?? []);
    const routes = planPodRoutes(ipam.routes ?? [], addrs, conf.isDefaultGateway);
    configurePod(pod, { ifname: cmd.ifname, addresses: addrs, routes, enableDad: conf.enableDad });

    if (conf.isGateway) ensureGatewayAddresses(host, bridge.index, addrs);
    if (conf.promiscMode) host.setLinkPromisc(bridge.index, true);
    if (conf.isGateway || conf.ipMasq) {
      if (addrs.some((a) => a.family === 4)) deps.ensureSysctl('net.ipv4.ip_forward', '1');
      if (addrs.some((a) => a.family === 6)) deps.ensureSysctl('net.ipv6.conf.all.forwarding', '1');
    }

    const podLink = pod.getLink(cmd.ifname);
    const hostLink = host.getLink(hostVeth);
    const wantNft = (conf.ipMasq && addrs.length > 0) || conf.macspoofchk;
    if (wantNft) {
      const nft = deps.openNft();
      closers.push(nft);
      undo.push('nft elements', () => { nft.removeTagged((t) => t === tag); });
      let script = '';
      if (conf.ipMasq && addrs.length > 0) script += renderMasqAdd(cmd.config.name, masqEntries(addrs, tag), nft.chainIsCurrent(MASQ_CHAIN_SPEC), conf.nonMasqueradeCIDRs);
      if (conf.macspoofchk && podLink.mac) script += renderSpoofAdd(hostVeth, podLink.mac, tag, nft.chainIsCurrent(SPOOF_CHAIN_SPEC));
      nft.apply(script);
    }

    const bridgeNow = host.getLink(bridge.index);
    const interfaces: CniInterface[] = [
      { name: bridgeNow.name, ...(bridgeNow.mac ? { mac: bridgeNow.mac } : {}) },
      { name: hostVeth, ...(hostLink.mac ? { mac: hostLink.mac } : {}) },
      { name: cmd.ifname, ...(podLink.mac ? { mac: podLink.mac } : {}), mtu: podLink.mtu, sandbox: cmd.netns },
    ];
    undo.commit();
    const result: CniResult = {
      cniVersion: cmd.config.cniVersion,
      interfaces,
      ips: (ipam.ips ?? []).map((ip) => ({ ...ip, interface: 2 })),
    };
    if (routes.length > 0) result.routes = routes;
    const dns = cmd.config.dns ?? ipam.dns;
    if (dns) result.dns = dns;
    return result;
  } catch (err) {
    const failed = await undo.unwind();
    if (failed.length > 0 && err instanceof CniError) {
      throw new CniError(err.code, err.msg, [err.details, `undo incomplete: ${failed.join('; ')}`].filter(Boolean).join('; '));
    }
    throw err;
  } finally {
    for (const c of closers.reverse()) c.close();
  }
}
