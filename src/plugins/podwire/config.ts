// The `podwire` plugin's own config, parsed and validated once before any
// kernel call. Field names and defaults follow the reference `bridge` plugin
// so a conflist can switch `type` between the two.
import { CniError, ErrorCode, configError } from '../../cni/errors.js';
import type { NetConf } from '../../cni/netconf.js';
import { formatIp } from '../../core/ip/address.js';
import { networkOf, tryParseCidr } from '../../core/ip/cidr.js';

export interface PodwireConf {
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  /**
   * Destinations that keep the pod source address under ipMasq, besides the
   * pod networks on this host: the cluster's pod CIDR (set by podwire-agent),
   * so pod-to-pod traffic across nodes is never NATed. In network form.
   */
  nonMasqueradeCIDRs: Array<{ family: 4 | 6; cidr: string }>;
  /** Undefined: take the MTU of the interface holding the default route. */
  mtu: number | undefined;
  hairpinMode: boolean;
  promiscMode: boolean;
  /** 0 means untagged. */
  vlan: number;
  macspoofchk: boolean;
  /** IPv6 DAD on the container side; off by default so addresses are usable when ADD returns. */
  enableDad: boolean;
  ipamType: string | undefined;
  /**
   * The node's CNI service (docs/cni-service.md): the executable forwards the
   * invocation there when it answers, and runs it itself otherwise.
   */
  serviceSocket: string | undefined;
}

const IFNAME_RE = /^[^/:\s]{1,15}$/;

function bool(raw: Record<string, unknown>, key: string, dflt = false): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw configError(key, 'must be true or false');
  return v;
}

function int(raw: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw configError(key, 'must be an integer');
  if (v < min || v > max) throw configError(key, `${v} is out of range ${min}-${max}`);
  return v;
}

function cidrList(raw: Record<string, unknown>, key: string): Array<{ family: 4 | 6; cidr: string }> {
  const v = raw[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw configError(key, 'must be a list of CIDRs');
  return v.map((item, i) => {
    const c = typeof item === 'string' ? tryParseCidr(item) : undefined;
    if (!c) throw configError(`${key}[${i}]`, `${JSON.stringify(item)} is not a CIDR`);
    return { family: c.address.family, cidr: `${formatIp(networkOf(c))}/${c.prefix}` };
  });
}

function serviceSocket(raw: Record<string, unknown>): string | undefined {
  const v = raw.serviceSocket;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !v.startsWith('/') || v.includes('\0')) throw configError('serviceSocket', 'must be an absolute path to a unix socket');
  return v;
}

export function parsePodwireConf(conf: NetConf): PodwireConf {
  const raw = conf.raw;
  const bridge = raw.bridge ?? 'cni0';
  if (typeof bridge !== 'string' || !IFNAME_RE.test(bridge)) throw configError('bridge', 'must be an interface name of 1-15 characters without "/", ":" or spaces');
  const isDefaultGateway = bool(raw, 'isDefaultGateway');
  const parsed: PodwireConf = {
    bridge,
    isDefaultGateway,
    // As in the reference: a default gateway is necessarily a gateway.
    isGateway: bool(raw, 'isGateway') || isDefaultGateway,
    forceAddress: bool(raw, 'forceAddress'),
    ipMasq: bool(raw, 'ipMasq'),
    nonMasqueradeCIDRs: cidrList(raw, 'nonMasqueradeCIDRs'),
    mtu: int(raw, 'mtu', 68, 65535),
    hairpinMode: bool(raw, 'hairpinMode'),
    promiscMode: bool(raw, 'promiscMode'),
    vlan: int(raw, 'vlan', 0, 4094) ?? 0,
    macspoofchk: bool(raw, 'macspoofchk'),
    enableDad: bool(raw, 'enabledad'),
    ipamType: conf.ipam?.type,
    serviceSocket: serviceSocket(raw),
  };
  if (parsed.hairpinMode && parsed.promiscMode) {
    throw configError('hairpinMode', 'cannot be combined with promiscMode (the bridge would see every frame twice)');
  }
  if (parsed.vlan !== 0) {
    // Bridge VLAN filtering (IFLA_AF_SPEC/IFLA_BRIDGE_VLAN_INFO) is not implemented yet: say so rather than ignore it.
    throw new CniError(ErrorCode.UnsupportedField, 'vlan: tagging pods on the bridge is not supported yet by podwire');
  }
  if (conf.ipam && (parsed.ipamType === undefined || parsed.ipamType === '')) throw configError('ipam.type', 'required when ipam is given');
  return parsed;
}
