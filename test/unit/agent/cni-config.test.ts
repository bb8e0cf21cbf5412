import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CONFLIST_NAME, ensureConflist, missingPlugins, renderConflist } from '../../../src/agent/cni-config.js';

const GOLDEN = 'test/unit/agent/golden/10-podwire.conflist';

test('rendered conflist matches the golden file', () => {
  const text = renderConflist({ mtu: 1450, podCIDRs: ['10.244.1.0/24'], clusterCIDRs: ['10.244.0.0/16'], stateDir: '/var/lib/podwire', serviceSocket: '/var/lib/podwire/cni.sock' });
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
  assert.equal(text, readFileSync(GOLDEN, 'utf8'));
});

test('dual stack: one range set per family', () => {
  const conf = JSON.parse(renderConflist({ mtu: 1450, podCIDRs: ['10.244.1.0/24', 'fd00:244:0:1::/64'], clusterCIDRs: ['10.244.0.0/16', 'fd00:244::/48'], stateDir: '/s', serviceSocket: '/s/cni.sock' })) as { plugins: Array<{ ipam: { ranges: unknown } }> };
  assert.deepEqual(conf.plugins[0]?.ipam.ranges, [[{ subnet: '10.244.1.0/24' }], [{ subnet: 'fd00:244:0:1::/64' }]]);
});

test('the cluster CIDRs keep pod sources (the plugin drops the node block nested inside)', () => {
  const conf = JSON.parse(renderConflist({ mtu: 1450, podCIDRs: ['10.244.5.0/24'], clusterCIDRs: ['10.244.0.0/16', 'fd00::/48'], stateDir: '/s', serviceSocket: '/s/cni.sock' })) as { plugins: Array<{ nonMasqueradeCIDRs: unknown }> };
  assert.deepEqual(conf.plugins[0]?.nonMasqueradeCIDRs, ['10.244.0.0/16', 'fd00::/48']);
});

const dir = mkdtempSync(join(tmpdir(), 'pwa-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('ensureConflist writes once, replaces a different one, removes other podwire files only', () => {
  const conf = join(dir, 'net.d');
  const first = ensureConflist(conf, 'A\n');
  assert.deepEqual(first, { path: join(conf, CONFLIST_NAME), written: true, removed: [] });
  const inode = statSync(first.path).ino;
  assert.equal(ensureConflist(conf, 'A\n').written, false);
  assert.equal(statSync(first.path).ino, inode, 'an identical file is not rewritten');
  writeFileSync(join(conf, '05-podwire-old.conflist'), '{}');
  writeFileSync(join(conf, '.10-podwire.conflist.tmp.1.ab'), '{');
  writeFileSync(join(conf, '87-podman-bridge.conflist'), '{}');
  const second = ensureConflist(conf, 'B\n');
  assert.equal(second.written, true);
  assert.deepEqual(second.removed.sort(), ['.10-podwire.conflist.tmp.1.ab', '05-podwire-old.conflist']);
  assert.deepEqual(readdirSync(conf).sort(), ['10-podwire.conflist', '87-podman-bridge.conflist']);
  assert.equal(readFileSync(first.path, 'utf8'), 'B\n');
});

test('missingPlugins', () => {
  const bin = join(dir, 'bin');
  ensureConflist(bin, 'x');
  writeFileSync(join(bin, 'podwire'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(bin, 'podwire-ipam'), 'not executable', { mode: 0o644 });
  assert.deepEqual(missingPlugins(bin), ['podwire-ipam']);
  assert.deepEqual(missingPlugins(join(dir, 'nowhere')), ['podwire', 'podwire-ipam']);
});
