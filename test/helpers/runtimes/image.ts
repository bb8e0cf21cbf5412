// The local busybox image the e2e containers run (built once, cached). Part of the e2e runtime harness: see runtimes.ts for the design note.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findExecutable } from './process.js';

/**
 * The local busybox image (there is no registry here). Cached across runs in
 * PODWIRE_E2E_IMAGE_DIR (default /var/tmp/podwire-e2e-image), keyed by a hash
 * of the busybox binary: busybox-<hash>/rootfs.tar (for `podman import`) and
 * busybox-<hash>/docker-archive.tar (`podman save`, for `ctr images import`).
 * Files are built in a temp name and renamed: concurrent builders are safe.
 */
export interface E2eImage { ref: string; dir: string; rootfsTar: string; dockerArchive: string }

/** True for a 64-bit little-endian ELF with a PT_INTERP header (a dynamic executable). */
export function hasElfInterpreter(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  for (let i = 0; i < elf.readUInt16LE(0x38); i++) {
    const at = phoff + i * phentsize;
    if (at + 4 <= elf.length && elf.readUInt32LE(at) === 3) return true;
  }
  return false;
}

export function ensureE2eImage(): E2eImage {
  const busybox = findExecutable('busybox');
  if (busybox === undefined) throw new Error('busybox not found (apt-get install busybox-static)');
  const binary = readFileSync(busybox);
  // The image has no libc: Debian's dynamic `busybox` package would not start in it.
  if (hasElfInterpreter(binary)) throw new Error(`${busybox} is dynamically linked (apt-get install busybox-static)`);
  const key = createHash('sha256').update(binary).digest('hex').slice(0, 12);
  const dir = join(process.env.PODWIRE_E2E_IMAGE_DIR ?? '/var/tmp/podwire-e2e-image', `busybox-${key}`);
  const image = { ref: `localhost/podwire-e2e-busybox:${key}`, dir, rootfsTar: join(dir, 'rootfs.tar'), dockerArchive: join(dir, 'docker-archive.tar') };
  if (existsSync(image.rootfsTar)) return image;
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.pwe-build-'));
  try {
    const rootfs = join(work, 'rootfs');
    for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'run']) mkdirSync(join(rootfs, d), { recursive: true });
    copyFileSync(busybox, join(rootfs, 'bin/busybox'));
    const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').map((s) => s.trim().replace(/\/$/, ''));
    for (const applet of applets) {
      if (applet === '' || applet === 'bin/busybox') continue;
      mkdirSync(dirname(join(rootfs, applet)), { recursive: true });
      symlinkSync('/bin/busybox', join(rootfs, applet));
    }
    writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\n');
    const tmpTar = join(work, 'rootfs.tar');
    execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', rootfs, '-cf', tmpTar, '.']);
    renameSync(tmpTar, image.rootfsTar);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return image;
}
