// One request/reply exchange over a unix stream socket, synchronously,
// through libc with koffi. It is what a plugin executable uses to reach the
// node's CNI service: koffi is ~1.5 ms to load (and the plugin needs it
// anyway when it must run the verb itself), where node:net pulls in Node's
// stream stack (~2-5 ms) and costs event-loop turns on every step. A plugin
// has nothing else to do while it waits, so a blocking recv is the point.
import { KernelError } from './kernel-error.js';
import { lastErrno } from './ffi.js';
import { SOCK_CLOEXEC, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO, socketCalls, timeval } from './libc-socket.js';

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const EINTR = 4;
const EAGAIN = 11;
const ENAMETOOLONG = 36;
/** sizeof(sockaddr_un.sun_path) */
const SUN_PATH_MAX = 108;

/** connectErrno: nothing was sent (no listener, no such path...); otherwise the reply up to the first newline. */
export type UnixExchange = { connectErrno: number } | { reply: string };

/**
 * Connects to `path`, sends `request`, and reads until the first newline.
 * Throws KernelError when the exchange fails after connecting (the peer may
 * have acted on the request) or times out after `timeoutMs` of silence.
 */
export function unixExchange(path: string, request: string, timeoutMs: number): UnixExchange {
  const pathBytes = Buffer.from(path);
  if (pathBytes.length >= SUN_PATH_MAX) return { connectErrno: ENAMETOOLONG };
  const c = socketCalls();
  const fd = c.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new KernelError('unix.socket', lastErrno(), 'cannot open a unix socket');
  try {
    const addr = Buffer.alloc(2 + pathBytes.length + 1);
    addr.writeUInt16LE(AF_UNIX, 0);
    pathBytes.copy(addr, 2);
    if (c.connect(fd, addr, addr.length) < 0) return { connectErrno: lastErrno() };
    const tv = timeval(timeoutMs);
    c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, tv.length);
    c.setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, tv, tv.length);

    const out = Buffer.from(request);
    for (let off = 0; off < out.length;) {
      const n = c.send(fd, off === 0 ? out : out.subarray(off), out.length - off, 0);
      if (n < 0) {
        const errno = lastErrno();
        if (errno === EINTR) continue;
        throw new KernelError('unix.send', errno, errno === EAGAIN ? 'timed out' : 'send failed', path);
      }
      off += n;
    }

    const chunks: Buffer[] = [];
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const n = c.recv(fd, buf, buf.length, 0);
      if (n < 0) {
        const errno = lastErrno();
        if (errno === EINTR) continue;
        throw new KernelError('unix.recv', errno, errno === EAGAIN ? `no answer within ${timeoutMs} ms` : 'recv failed', path);
      }
      if (n === 0) throw new KernelError('unix.recv', 0, 'connection closed before an answer', path);
      const chunk = Buffer.from(buf.subarray(0, n));
      chunks.push(chunk);
      if (chunk.includes(0x0a)) break;
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return { reply: text.slice(0, text.indexOf('\n')) };
  } finally {
    c.close(fd);
  }
}
