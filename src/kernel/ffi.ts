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

/** libc, loaded once per process. */
export function libc(): KoffiTypes.IKoffiLib {
  libcLib ??= loadKoffi().load('libc.so.6');
  return libcLib;
}

/** errno of the last failed libc call on this thread. */
export function lastErrno(): number {
  return loadKoffi().errno();
}
