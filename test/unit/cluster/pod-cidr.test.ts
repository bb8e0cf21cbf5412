import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockAt, blockCount, BlockPoolError, firstFreeBlock, isBlockOf, parseBlockPool, planNodeBlocks, type BlockPool } from '../../../src/core/cluster/pod-cidr.js';
import { formatCidr, tryParseCidr, type Cidr } from '../../../src/core/ip/cidr.js';

const cidr = (t: string): Cidr => {
  const c = tryParseCidr(t);
  assert.ok(c, t);
  return c;
};
const pool = (t: string, prefix: number): BlockPool => parseBlockPool(t, prefix, 'pool');
const free = (p: BlockPool, used: string[]): string | undefined => {
  const b = firstFreeBlock(p, used.map(cidr));
  return b && formatCidr(b);
};

describe('parseBlockPool', () => {
  it('accepts IPv4 and IPv6 pools', () => {
    assert.equal(formatCidr(pool('10.244.0.0/16', 24).cidr), '10.244.0.0/16');
    assert.equal(pool('fd00:10::/48', 64).blockPrefix, 64);
  });
  const bad: [unknown, unknown, string, RegExp][] = [
    [42, 24, 'pool.cidr', /must be a string/],
    ['10.244.0.0', 24, 'pool.cidr', /not a CIDR/],
    ['10.244.1.0/16', 24, 'pool.cidr', /host bits set \(network is 10\.244\.0\.0\/16\)/],
    ['10.244.0.0/16', 15, 'pool.blockPrefix', /between 16 and 30/],
    ['10.244.0.0/16', 31, 'pool.blockPrefix', /between 16 and 30/],
    ['fd00::/48', 127, 'pool.blockPrefix', /between 48 and 126/],
    ['10.244.0.0/16', 24.5, 'pool.blockPrefix', /integer/],
    ['10.244.0.0/16', '24', 'pool.blockPrefix', /integer/],
  ];
  for (const [c, p, field, problem] of bad) {
    it(`rejects ${JSON.stringify(c)} /${String(p)} naming ${field}`, () => {
      assert.throws(() => parseBlockPool(c, p, 'pool'), (err: unknown) => err instanceof BlockPoolError && err.field === field && problem.test(err.message) && err.message.startsWith(`${field}: `));
    });
  }
});

describe('blocks of a pool', () => {
  it('counts and indexes blocks in both families without enumerating', () => {
    assert.equal(blockCount(pool('10.244.0.0/16', 24)), 256n);
    assert.equal(blockCount(pool('fd00:10::/48', 64)), 65536n);
    assert.equal(blockCount(pool('fd00::/32', 64)), 1n << 32n);
    assert.equal(formatCidr(blockAt(pool('10.244.0.0/16', 24), 3n) as Cidr), '10.244.3.0/24');
    assert.equal(formatCidr(blockAt(pool('10.244.0.0/16', 24), 255n) as Cidr), '10.244.255.0/24');
    assert.equal(blockAt(pool('10.244.0.0/16', 24), 256n), undefined);
    assert.equal(formatCidr(blockAt(pool('fd00::/32', 64), (1n << 32n) - 1n) as Cidr), 'fd00:0:ffff:ffff::/64');
  });
  it('recognises its own blocks only', () => {
    const p = pool('10.244.0.0/16', 24);
    assert.equal(isBlockOf(p, cidr('10.244.7.0/24')), true);
    assert.equal(isBlockOf(p, cidr('10.244.7.0/25')), false);
    assert.equal(isBlockOf(p, cidr('10.244.7.1/24')), false);
    assert.equal(isBlockOf(p, cidr('10.245.0.0/24')), false);
    assert.equal(isBlockOf(p, cidr('fd00::/24')), false);
  });
});

describe('firstFreeBlock', () => {
  const v4 = pool('10.244.0.0/16', 24);
  const cases: [string, BlockPool, string[], string | undefined][] = [
    ['empty pool: first block', v4, [], '10.244.0.0/24'],
    ['skips used blocks in any order', v4, ['10.244.1.0/24', '10.244.0.0/24', '10.244.3.0/24'], '10.244.2.0/24'],
    ['a smaller unaligned range blocks its whole block', v4, ['10.244.0.0/24', '10.244.1.128/25'], '10.244.2.0/24'],
    ['a larger range skips every block it covers', v4, ['10.244.0.0/20'], '10.244.16.0/24'],
    ['a range covering the pool start from outside', v4, ['10.0.0.0/8'], undefined],
    ['ranges outside the pool and of the other family are ignored', v4, ['10.243.0.0/24', 'fd00::/64', '10.245.0.0/16'], '10.244.0.0/24'],
    ['overlapping used ranges', v4, ['10.244.0.0/23', '10.244.1.0/24', '10.244.2.0/25'], '10.244.3.0/24'],
    ['exhausted', pool('10.244.0.0/23', 24), ['10.244.0.0/24', '10.244.1.0/24'], undefined],
    ['a pool of one block', pool('10.244.0.0/24', 24), [], '10.244.0.0/24'],
    ['IPv6 /64 from a /48', pool('fd00:10::/48', 64), ['fd00:10::/64', 'fd00:10:0:1::/64'], 'fd00:10:0:2::/64'],
    ['IPv6 /64 from a /32 with the low half used', pool('fd00::/32', 64), ['fd00::/33'], 'fd00:0:8000::/64'],
    ['IPv6 last block', pool('fd00::/62', 64), ['fd00::/63', 'fd00:0:0:2::/64'], 'fd00:0:0:3::/64'],
  ];
  for (const [name, p, used, want] of cases) it(name, () => assert.equal(free(p, used), want));

  it('agrees with enumerating every block, on random in-use sets', () => {
    const p = pool('10.1.0.0/22', 26); // 16 blocks
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 500; round++) {
      const used: string[] = [];
      for (let k = rand(10); k > 0; k--) {
        const prefix = 22 + rand(9); // /22 … /30, any alignment inside or around the pool
        const offset = rand(1024 + 256) - 128;
        const value = (10 << 24) + (1 << 16) + offset;
        const addr = [24, 16, 8, 0].map((s) => (value >>> s) & 255).join('.');
        used.push(`${addr}/${prefix}`);
      }
      const usedCidrs = used.map(cidr);
      let brute: string | undefined;
      for (let i = 0n; i < blockCount(p); i++) {
        const b = blockAt(p, i) as Cidr;
        const lo = b.address.value;
        const hi = lo + 63n;
        const clash = usedCidrs.some((u) => {
          const size = 1n << BigInt(32 - u.prefix);
          const ulo = u.address.value - (u.address.value % size);
          return ulo <= hi && ulo + size - 1n >= lo;
        });
        if (!clash) {
          brute = formatCidr(b);
          break;
        }
      }
      assert.equal(free(p, used), brute, `used ${used.join(' ')}`);
    }
  });
});

describe('planNodeBlocks', () => {
  it('takes one block per pool, in pool order (dual stack)', () => {
    const plan = planNodeBlocks([pool('10.244.0.0/16', 24), pool('fd00:10::/48', 64)], ['10.244.0.0/24', 'fd00:10::/64'].map(cidr));
    assert.ok(plan.ok);
    assert.deepEqual(plan.blocks.map(formatCidr), ['10.244.1.0/24', 'fd00:10:0:1::/64']);
  });
  it('names the exhausted pool', () => {
    const plan = planNodeBlocks([pool('10.244.0.0/16', 24), pool('fd00:10::/64', 64)], [cidr('fd00:10::/64')]);
    assert.deepEqual(plan, { ok: false, exhausted: 1 });
  });
});
