// The BSD socket calls of libc, bound once through koffi, for the two
// socket users of the kernel layer: netlink (netlink/socket.ts) and the unix
// stream client (unix-stream.ts). Buffers passed as `void *` are handed to C
// by reference (no copy), which is what recv() needs to fill them.
import { libcFunction } from './ffi.js';

export const SOCK_CLOEXEC = 0x80000;
export const SOL_SOCKET = 1;
export const SO_RCVTIMEO = 20;
export const SO_SNDTIMEO = 21;

export interface SocketCalls {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  connect(fd: number, addr: Buffer, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  close(fd: number): number;
}

export function socketCalls(): SocketCalls {
  return {
    socket: libcFunction<SocketCalls['socket']>('int socket(int, int, int)'),
    bind: libcFunction<SocketCalls['bind']>('int bind(int, const void *, uint32_t)'),
    connect: libcFunction<SocketCalls['connect']>('int connect(int, const void *, uint32_t)'),
    setsockopt: libcFunction<SocketCalls['setsockopt']>('int setsockopt(int, int, int, const void *, uint32_t)'),
    send: libcFunction<SocketCalls['send']>('intptr_t send(int, const void *, size_t, int)'),
    recv: libcFunction<SocketCalls['recv']>('intptr_t recv(int, void *, size_t, int)'),
    close: libcFunction<SocketCalls['close']>('int close(int)'),
  };
}

/** A struct timeval for SO_RCVTIMEO / SO_SNDTIMEO. */
export function timeval(ms: number): Buffer {
  const tv = Buffer.alloc(16);
  tv.writeBigInt64LE(BigInt(Math.floor(ms / 1000)), 0);
  tv.writeBigInt64LE(BigInt((ms % 1000) * 1000), 8);
  return tv;
}
