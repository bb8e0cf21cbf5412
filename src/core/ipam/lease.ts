// Leases in host-local's on-disk format, as pure data. A lease is a file
// `<dataDir>/<network>/<ip>` whose bytes are `<containerID>\r\n<ifname>`
// (verified against Debian's host-local 1.1.1). Files from host-local
// releases that predate ifname hold only the container ID; host-local matches
// those on DEL ("legacy" below), and so do we, so a node upgraded in place
// keeps releasing its oldest leases.
import type { IpAddress } from '../ip/address.js';

export interface LeaseOwner {
  readonly containerId: string;
  /** Absent in legacy (pre-0.8) lease files. */
  readonly ifname?: string;
}

export interface Lease {
  readonly ip: IpAddress;
  /** Undefined when the file is empty (a writer died after creating it: host-local writes in place). */
  readonly owner: LeaseOwner | undefined;
}

export interface Attachment {
  readonly containerId: string;
  readonly ifname: string;
}

const LINE_BREAK = '\r\n';

/** The exact bytes host-local writes: TrimSpace(id) + "\r\n" + ifname, no trailing newline. */
export function formatLeaseFile(owner: Attachment): string {
  return `${owner.containerId.trim()}${LINE_BREAK}${owner.ifname}`;
}

/** Reads a lease file's content; host-local compares TrimSpace(content), so we trim too. */
export function parseLeaseFile(text: string): LeaseOwner | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const cut = t.indexOf(LINE_BREAK);
  if (cut < 0) return { containerId: t };
  return { containerId: t.slice(0, cut), ifname: t.slice(cut + LINE_BREAK.length) };
}

/** Exact (id and ifname) or legacy (id only, file without ifname) ownership. */
export function ownership(lease: Lease, who: Attachment): 'exact' | 'legacy' | undefined {
  const o = lease.owner;
  if (!o || o.containerId !== who.containerId.trim()) return undefined;
  if (o.ifname === undefined) return 'legacy';
  return o.ifname === who.ifname ? 'exact' : undefined;
}

/**
 * The leases DEL removes: every exact match, or, when there is none, every
 * legacy match — host-local's ReleaseByID, so both plugins free the same files.
 */
export function leasesToRelease(leases: readonly Lease[], who: Attachment): Lease[] {
  const exact = leases.filter((l) => ownership(l, who) === 'exact');
  return exact.length > 0 ? exact : leases.filter((l) => ownership(l, who) === 'legacy');
}

/** Leases owned (exactly or legacy) by the attachment — host-local's GetByID. */
export function leasesOf(leases: readonly Lease[], who: Attachment): Lease[] {
  return leases.filter((l) => ownership(l, who) !== undefined);
}

/**
 * GC: a lease survives only if its owner is a valid attachment. A legacy
 * lease survives if any attachment has its container ID; an empty file (no
 * owner) never does.
 */
export function leasesToCollect(leases: readonly Lease[], valid: readonly Attachment[]): Lease[] {
  const exact = new Set(valid.map((a) => `${a.containerId}\n${a.ifname}`));
  const ids = new Set(valid.map((a) => a.containerId));
  return leases.filter((l) => {
    const o = l.owner;
    if (!o) return true;
    if (o.ifname === undefined) return !ids.has(o.containerId);
    return !exact.has(`${o.containerId}\n${o.ifname}`);
  });
}
