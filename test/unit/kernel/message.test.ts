import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AttrWriter, NetlinkDecodeError } from '../../../src/kernel/netlink/attrs.js';
import { NLMSG_ERROR, NLMSGERR_ATTR_MSG, NLM_F_ACK_TLVS, NLM_F_CAPPED, RTM_NEWLINK } from '../../../src/kernel/netlink/constants.js';
import { encodeMessage, parseError, parseMessages } from '../../../src/kernel/netlink/message.js';

describe('netlink messages', () => {
  test('header layout: len, type, flags, seq, pid (little-endian), payload padded', () => {
    const m = encodeMessage({ type: 16, flags: 0x0605, seq: 0x01020304, pid: 0 }, Buffer.from([1, 2, 3]));
    assert.equal(m.length, 20);
    assert.equal(m.toString('hex'), '13000000' + '1000' + '0506' + '04030201' + '00000000' + '01020300');
  });

  test('several messages in one datagram round-trip, each payload bounded by nlmsg_len', () => {
    const a = encodeMessage({ type: RTM_NEWLINK, flags: 2, seq: 7, pid: 42 }, Buffer.from([9, 9, 9, 9, 9]));
    const b = encodeMessage({ type: 3, flags: 2, seq: 7, pid: 42 }, Buffer.alloc(4));
    const msgs = parseMessages(Buffer.concat([a, b]));
    assert.deepEqual(msgs.map((m) => [m.type, m.flags, m.seq, m.pid, m.payload.length]), [[RTM_NEWLINK, 2, 7, 42, 5], [3, 2, 7, 42, 4]]);
  });

  test('a length that overruns the datagram is rejected', () => {
    const m = encodeMessage({ type: 16, flags: 0, seq: 1, pid: 0 }, Buffer.alloc(8));
    m.writeUInt32LE(64, 0);
    assert.throws(() => parseMessages(m), NetlinkDecodeError);
  });

  const echoed = encodeMessage({ type: RTM_NEWLINK, flags: 0x605, seq: 9, pid: 0 }, Buffer.alloc(16)).subarray(0, 16);

  test('an ack is errno 0', () => {
    const payload = Buffer.concat([Buffer.from([0, 0, 0, 0]), echoed]);
    assert.deepEqual(parseError({ type: NLMSG_ERROR, flags: NLM_F_CAPPED, seq: 9, pid: 0, payload }), { errno: 0 });
  });

  test('an error carries the positive errno and the extended-ack text', () => {
    const errno = Buffer.alloc(4);
    errno.writeInt32LE(-17, 0);
    const tlvs = new AttrWriter().str(NLMSGERR_ATTR_MSG, 'Device already exists').u32(3, 20).toBuffer();
    const payload = Buffer.concat([errno, echoed, tlvs]);
    const info = parseError({ type: NLMSG_ERROR, flags: NLM_F_CAPPED | NLM_F_ACK_TLVS, seq: 9, pid: 0, payload });
    assert.deepEqual(info, { errno: 17, message: 'Device already exists' });
  });

  test('uncapped errors skip the whole echoed request before the TLVs', () => {
    const request = encodeMessage({ type: RTM_NEWLINK, flags: 5, seq: 3, pid: 0 }, new AttrWriter().str(3, 'x').toBuffer());
    const errno = Buffer.alloc(4);
    errno.writeInt32LE(-22, 0);
    const payload = Buffer.concat([errno, request, new AttrWriter().str(NLMSGERR_ATTR_MSG, 'bad').toBuffer()]);
    assert.deepEqual(parseError({ type: NLMSG_ERROR, flags: NLM_F_ACK_TLVS, seq: 3, pid: 0, payload }), { errno: 22, message: 'bad' });
  });

  test('without NLM_F_ACK_TLVS there is no text', () => {
    const errno = Buffer.alloc(4);
    errno.writeInt32LE(-19, 0);
    assert.deepEqual(parseError({ type: NLMSG_ERROR, flags: 0, seq: 1, pid: 0, payload: Buffer.concat([errno, echoed]) }), { errno: 19 });
  });

  test('a truncated error payload is a decode error', () => {
    assert.throws(() => parseError({ type: NLMSG_ERROR, flags: 0, seq: 1, pid: 0, payload: Buffer.alloc(2) }), NetlinkDecodeError);
  });
});
