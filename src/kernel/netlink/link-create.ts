// Creating virtual links (veth pairs, bridges) and bridge-port settings.
//
// Design: one RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL, so creation is
// atomic and an existing name fails with EEXIST (createX semantics) instead
// of silently reusing someone else's device. A veth pair is born with each
// end already in its final netns: the peer's IFLA_NET_NS_FD sits inside
// VETH_INFO_PEER, the local end's at the top level. That avoids the window in
// which a pod-side end exists in the host netns under a guessable name, and
// saves a move (and a possible name clash) per ADD. The peer description is
// a whole ifinfomsg followed by attributes, per drivers/net/veth.c.
// Bridge port hairpin goes through AF_BRIDGE RTM_SETLINK with IFLA_PROTINFO,
// which reaches br_setlink() by ifindex only, so a name is resolved first.
// Reference: drivers/net/veth.c (veth_newlink), net/bridge/br_netlink.c,
// include/uapi/linux/if_link.h (IFLA_BR_*, IFLA_BRPORT_*).
import { AttrWriter } from './attrs.js';
import {
  AF_BRIDGE, IFLA_ADDRESS, IFLA_BRPORT_MODE, IFLA_BR_VLAN_FILTERING, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND,
  IFLA_LINKINFO, IFLA_MTU, IFLA_NET_NS_FD, IFLA_PROTINFO, NLM_F_CREATE, NLM_F_EXCL, RTM_NEWLINK, RTM_SETLINK,
  VETH_INFO_PEER,
} from './constants.js';
import { parseMac } from './ip-bytes.js';
import { encodeIfinfo, getLink, type LinkRef } from './links.js';
import type { NetlinkTransport } from './socket.js';

export interface VethSpec {
  name: string;
  peerName: string;
  /** Both ends get the same MTU, as a veth must. */
  mtu?: number;
  mac?: string;
  peerMac?: string;
  /** Create the local end in this netns (an open fd) instead of the handle's. */
  netnsFd?: number;
  /** Create the peer in this netns (an open fd) instead of the handle's. */
  peerNetnsFd?: number;
}

export interface BridgeSpec {
  name: string;
  mtu?: number;
  mac?: string;
  vlanFiltering?: boolean;
}

/** Common per-link attributes of a new link, or of a veth peer. */
function linkAttrs(w: AttrWriter, name: string, mtu?: number, mac?: string, netnsFd?: number): void {
  w.str(IFLA_IFNAME, name);
  if (mtu !== undefined) w.u32(IFLA_MTU, mtu);
  if (mac !== undefined) w.bytes(IFLA_ADDRESS, parseMac(mac));
  if (netnsFd !== undefined) w.u32(IFLA_NET_NS_FD, netnsFd);
}

export function encodeVeth(spec: VethSpec): Buffer {
  const w = new AttrWriter().raw(encodeIfinfo(0));
  linkAttrs(w, spec.name, spec.mtu, spec.mac, spec.netnsFd);
  w.nested(IFLA_LINKINFO, (info) => {
    info.str(IFLA_INFO_KIND, 'veth');
    info.nested(IFLA_INFO_DATA, (data) => {
      data.nested(VETH_INFO_PEER, (peer) => {
        peer.raw(encodeIfinfo(0));
        linkAttrs(peer, spec.peerName, spec.mtu, spec.peerMac, spec.peerNetnsFd);
      });
    });
  });
  return w.toBuffer();
}

export function encodeBridge(spec: BridgeSpec): Buffer {
  const w = new AttrWriter().raw(encodeIfinfo(0));
  linkAttrs(w, spec.name, spec.mtu, spec.mac);
  w.nested(IFLA_LINKINFO, (info) => {
    info.str(IFLA_INFO_KIND, 'bridge');
    if (spec.vlanFiltering !== undefined) {
      const on = spec.vlanFiltering ? 1 : 0;
      info.nested(IFLA_INFO_DATA, (data) => data.u8(IFLA_BR_VLAN_FILTERING, on));
    }
  });
  return w.toBuffer();
}

/** Creates a veth pair; EEXIST if either name is taken in its netns. */
export function createVeth(t: NetlinkTransport, spec: VethSpec): void {
  t.exchange({ type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, body: encodeVeth(spec), op: 'link.create-veth', target: `${spec.name}/${spec.peerName}` });
}

/** Creates a bridge (down, like `ip link add type bridge`); EEXIST if the name is taken. */
export function createBridge(t: NetlinkTransport, spec: BridgeSpec): void {
  t.exchange({ type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, body: encodeBridge(spec), op: 'link.create-bridge', target: spec.name });
}

/** Turns hairpin mode on or off for a bridge port (IFLA_BRPORT_MODE). */
export function setBridgePortHairpin(t: NetlinkTransport, port: LinkRef, on: boolean): void {
  const index = typeof port === 'number' ? port : getLink(t, port).index;
  const body = new AttrWriter()
    .raw(encodeIfinfo(index, 0, 0, AF_BRIDGE))
    .nested(IFLA_PROTINFO, (p) => p.u8(IFLA_BRPORT_MODE, on ? 1 : 0))
    .toBuffer();
  t.exchange({ type: RTM_SETLINK, flags: 0, body, op: 'link.hairpin', target: String(port) });
}
