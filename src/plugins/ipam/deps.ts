// What the IPAM verbs use, injected: a lease store per network and a way to
// read host files (resolvConf). src/bin/podwire-ipam.ts and the main plugin
// build the real ones with diskIpamDeps(); unit tests pass fakes.
import { readFileSync } from 'node:fs';
import type { LeaseLocation } from '../../core/ipam/config.js';
import { DiskLeaseStore, type DiskLeaseStoreOptions } from '../../store/disk-lease-store.js';
import { libcFlock } from '../../store/flock.js';
import type { LeaseStore } from '../../store/lease-store.js';

export interface IpamDeps {
  openStore(location: LeaseLocation): LeaseStore;
  readTextFile(path: string): string;
}

/** Runtimes give a CNI call minutes; waiting half a minute for the lock still leaves room to answer. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

export function diskIpamDeps(options: Partial<DiskLeaseStoreOptions> = {}): IpamDeps {
  const storeOptions: DiskLeaseStoreOptions = { lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS, flock: libcFlock, ...options };
  return {
    openStore: (location) => new DiskLeaseStore(location, storeOptions),
    readTextFile: (path) => readFileSync(path, 'utf8'),
  };
}
