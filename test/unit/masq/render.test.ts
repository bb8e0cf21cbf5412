import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MASQ_CHAIN_SPEC, renderMasqAdd } from '../../../src/core/masq/render.js';
import { chainIsCurrent, RULES_VERSION } from '../../../src/core/masq/chain.js';
import { parseTaggedElements, renderElementDeletes } from '../../../src/core/masq/listing.js';
import { attachmentTag, fnv1a64, hostVethName, MAX_TAG_BYTES, networkOfTag } from '../../../src/core/masq/names.js';

const golden = (name: string): string => readFileSync(new URL(`../../../../test/fixtures/nft/${name}`, import.meta.url), 'utf8');

test('ADD renders the constant chain plus two elements per address (golden)', () => {
  const tag = attachmentTag('net1', 'ctr-1', 'eth0');
  const entries = [
    { family: 4 as const, address: '10.22.0.5', network: '10.22.0.0/24', tag },
    { family: 6 as const, address: 'fd00:22::5', network: 'fd00:22::/64', tag },
  ];
  assert.equal(renderMasqAdd('net1', entries, false), golden('masq-add.nft'));
  // The common case: chain current, elements only.
  assert.equal(renderMasqAdd('net1', entries, true), golden('masq-add.nft').split('\n').filter((l) => l.startsWith('add element') || l === '').join('\n'));
});

test('the rule count does not depend on the number of pods', () => {
  const entries = Array.from({ length: 500 }, (_, i) => ({ family: 4 as const, address: `10.22.${i >> 8}.${i & 255}`, network: '10.22.0.0/16', tag: `c${i}/eth0` }));
  const rules = (s: string): number => s.split('\n').filter((l) => l.startsWith('add rule')).length;
  assert.equal(rules(renderMasqAdd('net1', entries, false)), rules(renderMasqAdd('net1', entries.slice(0, 1), false)));
});

test('parses nft -j listing back into tagged elements with deletable keys', () => {
  const listing = {
    nftables: [
      { metainfo: { version: '1.0.6' } },
      { set: { family: 'inet', name: 'masq-src4', table: 'podwire', type: 'ipv4_addr', elem: [{ elem: { val: '10.22.0.5', comment: 'net1/ctr-1/eth0' } }] } },
      { set: { family: 'inet', name: 'local4', table: 'podwire', type: ['ipv4_addr', 'ipv4_addr'], flags: ['interval'], elem: [{ elem: { val: { concat: ['10.22.0.5', { prefix: { addr: '10.22.0.0', len: 24 } }] }, comment: 'net1/ctr-1/eth0' } }] } },
      { set: { family: 'bridge', name: 'spoof-allowed', table: 'podwire', type: ['ifname', 'ether_addr'], elem: [{ elem: { val: { concat: ['pw123', '0a:58:0a:00:00:05'] }, comment: 'net1/ctr-1/eth0' } }] } },
      { set: { family: 'inet', name: 'untagged', table: 'podwire', type: 'ipv4_addr', elem: ['1.2.3.4'] } },
    ],
  };
  const elements = parseTaggedElements(listing);
  assert.deepEqual(elements.map((e) => e.key), ['10.22.0.5', '10.22.0.5 . 10.22.0.0/24', '"pw123" . 0a:58:0a:00:00:05']);
  assert.equal(renderElementDeletes(elements), [
    'delete element inet podwire masq-src4 { 10.22.0.5 }',
    'delete element inet podwire local4 { 10.22.0.5 . 10.22.0.0/24 }',
    'delete element bridge podwire spoof-allowed { "pw123" . 0a:58:0a:00:00:05 }',
    '',
  ].join('\n'));
});

test('attachment tags: readable when they fit an nft comment, hashed otherwise', () => {
  assert.equal(attachmentTag('net1', 'ctr-1', 'eth0'), 'net1/ctr-1/eth0');
  const longId = 'a'.repeat(64);
  const long = attachmentTag('n'.repeat(60), longId, 'eth0');
  assert.ok(long.length <= MAX_TAG_BYTES, long);
  assert.match(long, /^n{60}\/~[0-9a-f]{16}$/);
  assert.equal(long, attachmentTag('n'.repeat(60), longId, 'eth0'));
  assert.notEqual(long, attachmentTag('n'.repeat(60), longId, 'eth1'));
  assert.equal(networkOfTag(long), 'n'.repeat(60));
  assert.equal(networkOfTag('net1/ctr-1/eth0'), 'net1');
  assert.equal(networkOfTag('garbage'), undefined);
});

test('comments that cannot be quoted are refused, not altered', () => {
  assert.throws(() => renderMasqAdd('net1', [{ family: 4, address: '10.0.0.1', network: '10.0.0.0/24', tag: 'net1/c/e"0' }], true), /quote/);
});

test('host veth names are stable, distinct and fit IFNAMSIZ', () => {
  const a = hostVethName('ctr-1', 'eth0');
  assert.equal(a, hostVethName('ctr-1', 'eth0'));
  assert.notEqual(a, hostVethName('ctr-1', 'eth1'));
  assert.notEqual(a, hostVethName('ctr-2', 'eth0'));
  assert.match(a, /^pw[0-9a-f]{11}$/);
});

test('fnv1a64 matches the published test vectors', () => {
  assert.equal(fnv1a64(''), 0xcbf29ce484222325n);
  assert.equal(fnv1a64('a'), 0xaf63dc4c8601ec8cn);
  assert.equal(fnv1a64('foobar'), 0x85944171f73967e8n);
});

test('chainIsCurrent wants exactly the current rules, each with the version comment', () => {
  const rule = (comment?: string): unknown => ({ rule: { family: 'inet', table: 'podwire', chain: 'pod-masquerade', ...(comment ? { comment } : {}) } });
  const listing = (rules: unknown[]): unknown => ({ nftables: [{ metainfo: {} }, { chain: { name: 'pod-masquerade' } }, ...rules] });
  const n = MASQ_CHAIN_SPEC.rules.length;
  assert.equal(chainIsCurrent(listing(Array.from({ length: n }, () => rule(RULES_VERSION))), MASQ_CHAIN_SPEC), true);
  assert.equal(chainIsCurrent(listing(Array.from({ length: n - 1 }, () => rule(RULES_VERSION))), MASQ_CHAIN_SPEC), false);
  assert.equal(chainIsCurrent(listing(Array.from({ length: n }, () => rule('podwire-v0'))), MASQ_CHAIN_SPEC), false);
  assert.equal(chainIsCurrent(listing([]), MASQ_CHAIN_SPEC), false);
  assert.equal(chainIsCurrent(undefined, MASQ_CHAIN_SPEC), false);
});

test('nonMasqueradeCIDRs become the network\'s pod-nets elements', () => {
  const script = renderMasqAdd('net1', [], true, [{ family: 4, cidr: '10.244.0.0/16' }, { family: 6, cidr: 'fd00:244::/48' }]);
  assert.equal(script, 'add element inet podwire pod-nets4 { 10.244.0.0/16 comment "network net1" }\nadd element inet podwire pod-nets6 { fd00:244::/48 comment "network net1" }\n');
});

test('of nested pod networks only the outermost goes into the interval set (the kernel refuses overlaps)', () => {
  const entries = [{ family: 4 as const, address: '10.244.1.5', network: '10.244.1.0/24', tag: 'podwire/c/eth0' }];
  const script = renderMasqAdd('podwire', entries, true, [{ family: 4, cidr: '10.244.0.0/16' }, { family: 4, cidr: '10.244.0.0/16' }]);
  assert.equal(script, 'add element inet podwire masq-src4 { 10.244.1.5 comment "podwire/c/eth0" }\nadd element inet podwire pod-nets4 { 10.244.0.0/16 comment "network podwire" }\n');
});
