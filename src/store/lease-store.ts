// Where IPAM keeps its leases. Everything the allocator decides is decided
// inside one locked transaction: read the leases, plan, write — so the plan
// never rests on a stale view. Implementations: DiskLeaseStore
// (host-local's files and flock); tests use an in-memory fake.
import type { IpAddress } from '../core/ip/address.js';
import type { Attachment, Lease } from '../core/ipam/lease.js';

export interface LeaseTransaction {
  /** Every lease of the network, whatever its range. */
  leases(): Lease[];
  /** The address in `last_reserved_ip.<setIndex>`, if present and readable. */
  lastReserved(setIndex: number): IpAddress | undefined;
  /**
   * Creates the lease for `ip` all at once (a reader never sees a half-written
   * lease) and records it as the set's last reserved address. Returns false,
   * writing nothing, when the address is already leased.
   */
  reserve(ip: IpAddress, owner: Attachment, setIndex: number): boolean;
  /** Removes the lease for `ip`; an absent lease counts as released. */
  release(ip: IpAddress): void;
}

export interface LeaseStore {
  /** Runs `fn` holding the network's exclusive lock, creating the network's directory first if needed (ADD). */
  withLock<T>(fn: (tx: LeaseTransaction) => T): Promise<T>;
  /**
   * Like withLock, but creates nothing: when the network directory does not
   * exist there are no leases, and `fn` is not called (DEL, GC, CHECK, STATUS).
   */
  withExistingLock<T>(fn: (tx: LeaseTransaction) => T): Promise<T | undefined>;
  /** Why an ADD could not write to this store now, or undefined if it could. Creates nothing. */
  writeProblem(): string | undefined;
}
