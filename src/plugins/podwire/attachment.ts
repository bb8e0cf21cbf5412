// Pure helpers shared by the verbs: what an attachment is called in the
// kernel, which addresses it holds, and how its CNI_ARGS/runtimeConfig are
// read. Nothing here touches the kernel.
import { parseCniArgs, K8S_ARGS } from '../../cni/args.js';
import { CniError, ErrorCode, configError } from '../../cni/errors.js';
import type { CmdArgs } from '../../cni/skel.js';
import type { IpConfig } from '../../cni/types.js';
import { formatIp } from '../../core/ip/address.js';
import { networkOf, tryParseCidr } from '../../core/ip/cidr.js';
import { attachmentTag, hasUnquotable, hostVethName, MAX_NETWORK_NAME } from '../../core/masq/names.js';
import type { MasqEntry } from '../../core/masq/render.js';

const MAC_RE = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

export interface AttachmentNames {
  hostVeth: string;
  tag: string;
}

/**
 * Names of the attachment's kernel objects. The tag goes into nft comments
 * and the ifalias, so it must quote cleanly: CNI_IFNAME may legally hold '"'
 * or '\' for the kernel, but not for us (container ids and network names
 * cannot, by the skel's rules). Checked here, before any kernel call.
 */
export function namesOf(cmd: CmdArgs): AttachmentNames {
  if (hasUnquotable(cmd.ifname)) {
    throw new CniError(ErrorCode.InvalidEnvironment, `CNI_IFNAME: "${cmd.ifname}" contains a quote, backslash or control character, which podwire cannot record`);
  }
  if (cmd.config.name.length > MAX_NETWORK_NAME) {
    throw configError('name', `is ${cmd.config.name.length} characters long; podwire accepts at most ${MAX_NETWORK_NAME}`);
  }
  return { hostVeth: hostVethName(cmd.containerId, cmd.ifname), tag: attachmentTag(cmd.config.name, cmd.containerId, cmd.ifname) };
}

/** The pod MAC asked for, by runtimeConfig.mac (capability "mac") or CNI_ARGS MAC. */
export function requestedMac(cmd: CmdArgs): string | undefined {
  const fromRuntime = cmd.config.runtimeConfig.mac;
  if (fromRuntime !== undefined) {
    if (typeof fromRuntime !== 'string' || !MAC_RE.test(fromRuntime)) throw configError('runtimeConfig.mac', `"${String(fromRuntime)}" is not a MAC address`);
    return fromRuntime.toLowerCase();
  }
  const fromArgs = parseCniArgs(cmd.args, [...K8S_ARGS, 'IP', 'MAC']).get('MAC');
  if (fromArgs === undefined) return undefined;
  if (!MAC_RE.test(fromArgs)) throw new CniError(ErrorCode.InvalidEnvironment, `CNI_ARGS: MAC "${fromArgs}" is not a MAC address`);
  if ((parseInt(fromArgs.slice(0, 2), 16) & 1) === 1) throw new CniError(ErrorCode.InvalidEnvironment, `CNI_ARGS: MAC "${fromArgs}" is a multicast address`);
  return fromArgs.toLowerCase();
}

export interface PodAddress {
  family: 4 | 6;
  /** "10.22.0.5/24" */
  cidr: string;
  /** "10.22.0.5" */
  address: string;
  /** "10.22.0.0/24" */
  network: string;
  prefix: number;
  gateway: string | undefined;
}

export function podAddresses(ips: readonly IpConfig[]): PodAddress[] {
  return ips.map((ip, i) => {
    const c = tryParseCidr(ip.address);
    if (!c) throw new CniError(ErrorCode.DelegateFailed, `ipam result ips[${i}].address: "${ip.address}" is not an address in CIDR form`);
    return {
      family: c.address.family,
      cidr: ip.address,
      address: formatIp(c.address),
      network: `${formatIp(networkOf(c))}/${c.prefix}`,
      prefix: c.prefix,
      gateway: ip.gateway,
    };
  });
}

export function masqEntries(addrs: readonly PodAddress[], tag: string): MasqEntry[] {
  return addrs.map((a) => ({ family: a.family, address: a.address, network: a.network, tag }));
}
