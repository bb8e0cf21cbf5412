import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AttrSet, AttrWriter, NLA_F_NESTED, NetlinkDecodeError, align4, parseAttrs } from '../../../src/kernel/netlink/attrs.js';

describe('netlink attributes', () => {
  test('align4 rounds up to 4', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 8, 9].map(align4), [0, 4, 4, 4, 4, 8, 8, 12]);
  });

  test('every scalar is padded to 4 bytes and carries its unpadded length', () => {
    const cases: Array<[string, (w: AttrWriter) => AttrWriter, string]> = [
      ['u8', (w) => w.u8(7, 0xab), '05000700ab000000'],
      ['u16', (w) => w.u16(7, 0x1234), '0600070034120000'],
      ['u32', (w) => w.u32(7, 0xdeadbeef), '08000700efbeadde'],
      ['s32', (w) => w.s32(7, -1), '08000700ffffffff'],
      ['flag', (w) => w.flag(7), '04000700'],
      ['str NUL-terminated', (w) => w.str(3, 'eth0'), '0900030065746830' + '00000000'],
      ['str of 3 fills exactly', (w) => w.str(3, 'abc'), '0800030061626300'],
    ];
    for (const [name, write, hex] of cases) {
      assert.equal(write(new AttrWriter()).toBuffer().toString('hex'), hex, name);
    }
  });

  test('nested attributes set NLA_F_NESTED and enclose their children', () => {
    const buf = new AttrWriter().nested(18, (w) => w.str(1, 'veth').nested(2, (d) => d.u32(1, 5))).toBuffer();
    assert.equal(buf.readUInt16LE(0), buf.length);
    assert.equal(buf.readUInt16LE(2), 18 | NLA_F_NESTED);
    const outer = new AttrSet(buf);
    assert.ok(outer.has(18), 'type is read with the nested flag masked off');
    const info = outer.nested(18);
    assert.equal(info?.str(1), 'veth');
    assert.equal(info?.nested(2)?.u32(1), 5);
  });

  test('round trip of a mixed list keeps order and values', () => {
    const mac = Buffer.from([0x02, 0, 0, 0, 0, 1]);
    const buf = new AttrWriter().str(3, 'br0').u32(4, 1500).bytes(1, mac).u8(16, 6).toBuffer();
    const attrs = parseAttrs(buf);
    assert.deepEqual(attrs.map((a) => a.type), [3, 4, 1, 16]);
    const set = new AttrSet(buf);
    assert.equal(set.str(3), 'br0');
    assert.equal(set.u32(4), 1500);
    assert.deepEqual(set.bytes(1), mac);
    assert.equal(set.u8(16), 6);
    assert.equal(set.u32(99), undefined);
  });

  test('raw bytes are copied verbatim (fixed headers before attributes)', () => {
    const hdr = Buffer.from('0102030405060708', 'hex');
    const buf = new AttrWriter().raw(hdr).u8(1, 9).toBuffer();
    assert.equal(buf.subarray(0, 8).toString('hex'), '0102030405060708');
    assert.equal(new AttrSet(buf.subarray(8)).u8(1), 9);
  });

  test('first occurrence wins, all occurrences stay listed', () => {
    const set = new AttrSet(new AttrWriter().u32(1, 1).u32(1, 2).toBuffer());
    assert.equal(set.u32(1), 1);
    assert.equal(set.all.length, 2);
  });

  test('a string without NUL is read to its end', () => {
    const raw = Buffer.from('0700030061626300', 'hex'); // len 7: "abc" with no NUL, then padding
    assert.equal(new AttrSet(raw).str(3), 'abc');
  });

  test('malformed lengths throw instead of reading past the end', () => {
    assert.throws(() => parseAttrs(Buffer.from('0c000100aabbccdd', 'hex')), NetlinkDecodeError);
    assert.throws(() => parseAttrs(Buffer.from('02000100', 'hex')), NetlinkDecodeError);
    assert.throws(() => new AttrSet(Buffer.from('0500010001000000', 'hex')).u32(1), NetlinkDecodeError);
  });

  test('trailing bytes shorter than a header are ignored', () => {
    assert.deepEqual(parseAttrs(Buffer.from('050001000a000000ff', 'hex')).map((a) => a.value.length), [1]);
  });
});
