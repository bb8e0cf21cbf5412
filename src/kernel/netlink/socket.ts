// The only place that turns netlink bytes into system calls: an
// AF_NETLINK/NETLINK_ROUTE socket driven through libc with koffi.
//
// Design: strictly request/response. Each exchange() sends one request with a
// fresh sequence number and reads datagrams until the matching ack/error
// (NLM_F_ACK on every non-dump request) or NLMSG_DONE (dumps); messages with
// another sequence number (a reply to an earlier request that threw) are
// dropped. The socket joins no multicast group, so nothing else arrives.
// A socket belongs to the netns that was current when it was created, for
// its whole life: that is what lets NetlinkHandle be opened inside withNetns
// and used after switching back, even across awaits.
// Each datagram is peeked (MSG_PEEK|MSG_TRUNC) before it is read so the
// buffer can grow instead of silently truncating a large dump part; a
// receive timeout (SO_RCVTIMEO) turns a kernel that never answers into EAGAIN
// rather than a hung plugin. NLM_F_DUMP_INTR (the table changed during the
// dump) restarts the dump a few times, as iproute2 and libnl do.
// Rejected: node:net / dgram (no AF_NETLINK), spawning `ip` (~2 ms per call,
// parses text, and production code must not depend on iproute2).
import { lastErrno, loadKoffi } from '../ffi.js';
import { SOCK_CLOEXEC, SOL_SOCKET, SO_RCVTIMEO, socketCalls, timeval, type SocketCalls } from '../libc-socket.js';
import { Errno, KernelError } from '../kernel-error.js';
import {
  NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_ROUTE, NLMSG_DONE, NLMSG_ERROR,
  NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, SOL_NETLINK,
} from './constants.js';
import { encodeMessage, parseError, parseMessages, type NetlinkMessage } from './message.js';

export interface NetlinkRequest {
  type: number;
  /** Flags besides NLM_F_REQUEST/NLM_F_ACK: NLM_F_DUMP, NLM_F_CREATE|NLM_F_EXCL, ... */
  flags: number;
  /** Fixed family header followed by attributes. */
  body: Buffer;
  /** Names the operation in a KernelError ("link.add"). */
  op: string;
  /** Names what it acted on in a KernelError ("eth0"). */
  target?: string;
}

/** What the link/address/route operations need: one request in, its replies out. */
export interface NetlinkTransport {
  /** Returns the reply messages (dump parts, or the single reply of a GET; empty for a bare ack). Throws KernelError. */
  exchange(req: NetlinkRequest): NetlinkMessage[];
  /**
   * The same for a request that is not a dump, with the send on a koffi
   * worker thread: rtnetlink does the work inside send(), so a request that
   * waits in the kernel (a link removal waits for an RCU grace period)
   * leaves this thread free meanwhile.
   */
  exchangeAsync?(req: NetlinkRequest): Promise<NetlinkMessage[]>;
  close(): void;
}

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const MSG_PEEK = 0x2;
const MSG_TRUNC = 0x20;
const RECV_TIMEOUT_S = 10;
const DUMP_ATTEMPTS = 5;

interface Libc extends SocketCalls {
  sendAsync(fd: number, buf: Buffer, len: number, flags: number): Promise<number>;
}

interface AsyncCallable {
  async(...args: unknown[]): void;
}

function bindLibc(): Libc {
  const calls = socketCalls();
  return {
    ...calls,
    sendAsync: (fd, buf, len, flags) => new Promise((resolve, reject) => {
      (calls.send as unknown as AsyncCallable).async(fd, buf, len, flags, (err: unknown, n: number) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(n)));
    }),
  };
}

/** "EEXIST"-style name for messages; the number stays in KernelError.errno. */
function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(loadKoffi().os.errno)) if (value === errno) return name;
  return `errno ${errno}`;
}

export class NetlinkSocket implements NetlinkTransport {
  private readonly c: Libc;
  private fd: number;
  private seq: number;
  private buf = Buffer.allocUnsafe(64 * 1024);

  private constructor(c: Libc, fd: number) {
    this.c = c;
    this.fd = fd;
    // Start somewhere arbitrary so replies meant for another socket's
    // sequence are unlikely to match by accident.
    this.seq = (Date.now() & 0x7fffffff) >>> 0;
  }

  /** Opens a socket in the calling thread's current netns. */
  static open(): NetlinkSocket {
    const c = bindLibc();
    const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) throw new KernelError('netlink.socket', lastErrno(), 'cannot open NETLINK_ROUTE socket');
    const sock = new NetlinkSocket(c, fd);
    try {
      const sa = Buffer.alloc(12);
      sa.writeUInt16LE(AF_NETLINK, 0);
      if (c.bind(fd, sa, sa.length) < 0) throw new KernelError('netlink.bind', lastErrno(), 'cannot bind netlink socket');
      sock.setOpt(SOL_SOCKET, SO_RCVTIMEO, timeval(RECV_TIMEOUT_S * 1000), true);
      // Best effort: older kernels lack these; the ops work without them.
      const one = Buffer.alloc(4);
      one.writeInt32LE(1, 0);
      sock.setOpt(SOL_NETLINK, NETLINK_EXT_ACK, one, false);
      sock.setOpt(SOL_NETLINK, NETLINK_CAP_ACK, one, false);
      sock.setOpt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, one, false);
    } catch (err) {
      sock.close();
      throw err;
    }
    return sock;
  }

  exchange(req: NetlinkRequest): NetlinkMessage[] {
    for (let attempt = 1; ; attempt++) {
      const { messages, interrupted } = this.exchangeOnce(req);
      if (!interrupted) return messages;
      if (attempt >= DUMP_ATTEMPTS) {
        throw new KernelError(req.op, Errno.EINTR, 'dump kept changing while being read', req.target);
      }
    }
  }

  async exchangeAsync(req: NetlinkRequest): Promise<NetlinkMessage[]> {
    if ((req.flags & NLM_F_DUMP) === NLM_F_DUMP) throw new KernelError(req.op, Errno.EINVAL, 'dumps are synchronous only', req.target);
    if (this.fd < 0) throw new KernelError(req.op, Errno.EBADF, 'netlink handle is closed', req.target);
    const seq = (this.seq = (this.seq + 1) >>> 0);
    const wire = encodeMessage({ type: req.type, flags: NLM_F_REQUEST | req.flags | NLM_F_ACK, seq, pid: 0 }, req.body);
    const n = await this.c.sendAsync(this.fd, wire, wire.length, 0);
    // errno of a worker-thread call is not readable here; a failed send of
    // one small datagram is rare enough to report without it.
    if (n !== wire.length) throw new KernelError(req.op, Errno.EIO, 'netlink send failed', req.target);
    return this.receiveReplies(req, seq).messages;
  }

  close(): void {
    if (this.fd >= 0) this.c.close(this.fd);
    this.fd = -1;
  }

  private exchangeOnce(req: NetlinkRequest): { messages: NetlinkMessage[]; interrupted: boolean } {
    if (this.fd < 0) throw new KernelError(req.op, Errno.EBADF, 'netlink handle is closed', req.target);
    const dump = (req.flags & NLM_F_DUMP) === NLM_F_DUMP;
    const seq = (this.seq = (this.seq + 1) >>> 0);
    const flags = NLM_F_REQUEST | req.flags | (dump ? 0 : NLM_F_ACK);
    const wire = encodeMessage({ type: req.type, flags, seq, pid: 0 }, req.body);
    this.sendAll(wire, req);
    return this.receiveReplies(req, seq);
  }

  /** Reads datagrams until the reply to `seq` is complete (ack, error or end of dump). */
  private receiveReplies(req: NetlinkRequest, seq: number): { messages: NetlinkMessage[]; interrupted: boolean } {
    const messages: NetlinkMessage[] = [];
    let interrupted = false;
    for (;;) {
      for (const msg of parseMessages(this.recvDatagram(req))) {
        if (msg.seq !== seq) continue;
        if (msg.flags & NLM_F_DUMP_INTR) interrupted = true;
        if (msg.type === NLMSG_DONE) {
          // A dump that failed part-way says so in NLMSG_DONE's s32 payload.
          const status = msg.payload.length >= 4 ? msg.payload.readInt32LE(0) : 0;
          if (status < 0) throw new KernelError(req.op, -status, errnoName(-status), req.target);
          return { messages, interrupted };
        }
        if (msg.type === NLMSG_ERROR) {
          const e = parseError(msg);
          if (e.errno === 0) return { messages, interrupted };
          throw new KernelError(req.op, e.errno, e.message ?? errnoName(e.errno), req.target);
        }
        messages.push(msg);
      }
    }
  }

  private sendAll(wire: Buffer, req: NetlinkRequest): void {
    for (;;) {
      const n = this.c.send(this.fd, wire, wire.length, 0);
      if (n === wire.length) return;
      const errno = n < 0 ? lastErrno() : Errno.EIO;
      if (errno === Errno.EINTR) continue;
      throw new KernelError(req.op, errno, `netlink send failed (${errnoName(errno)})`, req.target);
    }
  }

  /** One whole datagram, copied out of the reusable receive buffer. */
  private recvDatagram(req: NetlinkRequest): Buffer {
    for (;;) {
      const size = this.c.recv(this.fd, this.buf, this.buf.length, MSG_PEEK | MSG_TRUNC);
      if (size < 0) {
        const errno = lastErrno();
        if (errno === Errno.EINTR) continue;
        const why = errno === Errno.EAGAIN ? `no reply within ${RECV_TIMEOUT_S}s` : `netlink receive failed (${errnoName(errno)})`;
        throw new KernelError(req.op, errno, why, req.target);
      }
      if (size > this.buf.length) this.buf = Buffer.allocUnsafe(size);
      const n = this.c.recv(this.fd, this.buf, this.buf.length, 0);
      if (n < 0) {
        const errno = lastErrno();
        if (errno === Errno.EINTR) continue;
        throw new KernelError(req.op, errno, `netlink receive failed (${errnoName(errno)})`, req.target);
      }
      return Buffer.from(this.buf.subarray(0, n));
    }
  }

  private setOpt(level: number, name: number, value: Buffer, required: boolean): void {
    if (this.c.setsockopt(this.fd, level, name, value, value.length) < 0 && required) {
      throw new KernelError('netlink.setsockopt', lastErrno(), `option ${level}/${name} rejected`);
    }
  }
}
