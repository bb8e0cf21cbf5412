// Which spec version a list runs at. libcni (ConfListFromBytes): when the
// list has `cniVersions`, take the highest of those and `cniVersion` that it
// implements; otherwise `cniVersion` as written. We differ only in failing
// early, naming the field, when the chosen version is one we cannot speak,
// instead of letting the first plugin reject it.
import { CniError, ErrorCode, configError } from '../../cni/errors.js';
import type { ConfList } from './types.js';

/** What the runner implements; injected so tests can pin it. */
export interface VersionSupport {
  supported: readonly string[];
  compare(a: string, b: string): number;
}

export function negotiateVersion(list: Pick<ConfList, 'cniVersion' | 'cniVersions'>, versions: VersionSupport): string {
  const known = (v: string): boolean => versions.supported.includes(v);
  if (list.cniVersions.length > 0) {
    const candidates = [...list.cniVersions, ...(list.cniVersion !== undefined ? [list.cniVersion] : [])].filter(known);
    const best = candidates.reduce<string | undefined>((hi, v) => (hi === undefined || versions.compare(v, hi) > 0 ? v : hi), undefined);
    if (best === undefined) {
      throw new CniError(
        ErrorCode.IncompatibleVersion,
        `cniVersions: none of ${list.cniVersions.join(', ')} is supported`,
        `supported: ${versions.supported.join(', ')}`,
      );
    }
    return best;
  }
  if (list.cniVersion === undefined) throw configError('cniVersion', 'required (or give cniVersions)');
  if (!known(list.cniVersion)) {
    throw new CniError(ErrorCode.IncompatibleVersion, `cniVersion: unsupported version "${list.cniVersion}"`, `supported: ${versions.supported.join(', ')}`);
  }
  return list.cniVersion;
}

/** libcni's version gates: CHECK and cached DEL results from 0.4.0, GC and STATUS from 1.1.0. */
export function supportsCheck(version: string, versions: VersionSupport): boolean {
  return versions.compare(version, '0.4.0') >= 0;
}

export function supportsGcAndStatus(version: string, versions: VersionSupport): boolean {
  return versions.compare(version, '1.1.0') >= 0;
}
