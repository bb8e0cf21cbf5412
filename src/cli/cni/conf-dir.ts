// Reads a CNI configuration directory (files only, the extensions libcni
// loads) and picks a network from it; the choosing is pure
// (core/conflist/select-network.ts), this is just the disk.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../../cni/errors.js';
import { CONF_EXTENSIONS, findNetwork, type ConfFile } from '../../core/conflist/select-network.js';
import type { ConfList } from '../../core/conflist/types.js';

export function readConfDir(dir: string): ConfFile[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    // libcni treats a missing directory as an empty one.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CniError(ErrorCode.IoFailure, `cannot read configuration directory ${dir}`, String(err));
  }
  return entries
    .filter((e) => !e.isDirectory() && CONF_EXTENSIONS.some((ext) => e.name.endsWith(ext)))
    .map((e) => ({ name: e.name, text: readFileSync(join(dir, e.name), 'utf8') }));
}

/** The error for a network that no file declares (code 7, like libcni's NotFoundError). */
export function networkNotFound(network: string, dir: string): CniError {
  return new CniError(ErrorCode.InvalidNetworkConfig, `network "${network}": not found`, `no .conflist, .conf or .json file in ${dir} has "name": "${network}"`);
}

/** The network called `network` in `dir`; throws when absent or when a file is broken. */
export function loadNetwork(dir: string, network: string): ConfList {
  const list = findNetwork(readConfDir(dir), network);
  if (list === undefined) throw networkNotFound(network, dir);
  return list;
}
