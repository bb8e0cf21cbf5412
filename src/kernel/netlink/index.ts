// Public surface of the rtnetlink layer: the handle, its value types, and the
// pure codec pieces other kernel modules (neigh, fdb, tc) will build on.
export { NetlinkHandle, openNetlink, type RouteRequest } from './handle.js';
export type { FdbRequest, NeighbourRequest, VxlanRequest } from './handle.js';
export type { VxlanEnsureResult, VxlanInfo, VxlanLink, VxlanSpec } from './vxlan.js';
export { VXLAN_DEFAULT_PORT, vxlanMismatches } from './vxlan.js';
export type { Neighbour, NeighbourFilter, NeighbourSpec } from './neigh.js';
export type { FdbEntry, FdbRemoval, FdbSpec } from './fdb.js';
export { nudStateNames } from './neigh-msg.js';
export type { Link, LinkRef } from './links.js';
export type { BridgeSpec, VethSpec } from './link-create.js';
export type { Address, AddressFilter, AddressSpec } from './addresses.js';
export type { RouteEntry, RouteFilter, RouteSpec } from './routes.js';
export type { NetlinkRequest, NetlinkTransport } from './socket.js';
export { NetlinkDecodeError } from './attrs.js';
export { formatIp, formatMac, parseCidr, parseIp, parseMac, type IpFamily } from './ip-bytes.js';
