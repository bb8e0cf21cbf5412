// Loads koffi's native module. The bundled executables in dist/bin carry a
// copy of koffi.node next to themselves (scripts/build.mjs); requiring it
// directly costs ~3 ms, against ~15 ms for koffi's JS loader, and a plugin
// pays its start-up on every pod ADD. Code compiled by tsc (tests) falls back
// to the koffi package. Loaded lazily: VERSION never touches it.
import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as KoffiTypes from 'koffi';

export type Koffi = typeof KoffiTypes;

let koffi: Koffi | undefined;
let libcLib: KoffiTypes.IKoffiLib | undefined;
// Bound libc functions by C signature: binding parses the signature, so hot
// paths (setns on every withNetns) bind once per process.
const libcFunctions = new Map<string, unknown>();

export function loadKoffi(): Koffi {
  if (koffi) return koffi;
  const here = fileURLToPath(import.meta.url);
  const require = createRequire(here);
  const beside = join(dirname(realpathSync(here)), 'koffi.node');
  try {
    koffi = require(beside) as Koffi;
  } catch {
    koffi = require('koffi') as Koffi;
  }
  return koffi;
}

/** Whether this process has loaded koffi (VERSION and early errors never do). */
export function koffiLoaded(): boolean {
  return koffi !== undefined;
}

/** libc, loaded once per process. */
export function libc(): KoffiTypes.IKoffiLib {
  libcLib ??= loadKoffi().load('libc.so.6');
  return libcLib;
}

/**
 * A libc function bound from its C declaration, e.g. 'int setns(int, int)',
 * typed by the caller. Bound once per process and signature.
 */
export function libcFunction<F>(declaration: string): F {
  let fn = libcFunctions.get(declaration);
  if (fn === undefined) {
    fn = libc().func(declaration);
    libcFunctions.set(declaration, fn);
  }
  return fn as F;
}

/** errno of the last failed libc call on this thread. */
export function lastErrno(): number {
  return loadKoffi().errno();
}
