// A NetlinkTransport that records requests and answers from a script, so
// the link/address/route operations are tested down to the bytes they send
// without a kernel.
import { KernelError } from '../../../src/kernel/kernel-error.js';
import type { NetlinkMessage } from '../../../src/kernel/netlink/message.js';
import type { NetlinkRequest, NetlinkTransport } from '../../../src/kernel/netlink/socket.js';

export type Reply = NetlinkMessage[] | { errno: number };

export class FakeTransport implements NetlinkTransport {
  readonly requests: NetlinkRequest[] = [];
  closed = false;
  private readonly replies: Reply[];

  constructor(...replies: Reply[]) {
    this.replies = replies;
  }

  exchange(req: NetlinkRequest): NetlinkMessage[] {
    this.requests.push(req);
    const reply = this.replies.shift() ?? [];
    if ('errno' in reply) throw new KernelError(req.op, reply.errno, 'scripted failure', req.target);
    return reply;
  }

  close(): void {
    this.closed = true;
  }

  /** The only request sent; fails the test if there were more or none. */
  only(): NetlinkRequest {
    if (this.requests.length !== 1) throw new Error(`expected 1 request, got ${this.requests.length}`);
    return this.requests[0] as NetlinkRequest;
  }
}

export function reply(type: number, payload: Buffer): NetlinkMessage {
  return { type, flags: 0, seq: 1, pid: 0, payload };
}
