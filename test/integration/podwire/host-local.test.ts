// The reference host-local plugin as podwire's IPAM delegate, executed from
// /usr/lib/cni through CNI_PATH: ADD, CHECK and DEL work and leave no lease;
// a failure of the delegate is passed through with its own code and the
// veth made before it is undone. host-local 1.x speaks up to cniVersion 1.0.0.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REF_BIN } from '../../helpers/plugin.js';
import { addressesOn, assertCniError, assertNothingLeft, assertOk, createLab, leaseFiles, resultAddresses, type Json, type Lab } from './lab.js';

const HOST_LOCAL = join(REF_BIN, 'host-local');

describe('podwire with host-local as the IPAM delegate', { skip: existsSync(HOST_LOCAL) ? false : `host-local: not installed in ${REF_BIN}` }, () => {
  let lab: Lab;
  let conf: Json;
  before(() => {
    lab = createLab({ network: 'pwt-hl', bridge: 'pwthl0', cniVersion: '1.0.0' });
    conf = lab.conf({ ipMasq: true, ipam: { type: 'host-local', dataDir: lab.dataDir, ranges: [[{ subnet: '10.91.0.0/24' }]] } });
  });
  after(() => lab?.remove());

  it('ADD gets the address from host-local, CHECK passes, DEL leaves no lease', () => {
    const pod = lab.newPod();
    const call = { containerId: 'hl-1', netns: pod.path, ifname: 'eth0' };
    const add = lab.run({ command: 'ADD', ...call }, conf);
    assertOk(add, 'ADD');
    const [address] = resultAddresses(add.json);
    assert.equal(address, '10.91.0.2/24');
    assert.deepEqual(addressesOn(pod, 'eth0').filter((a) => a.startsWith('10.')), ['10.91.0.2/24']);
    assert.deepEqual(leaseFiles(lab), ['10.91.0.2'], 'host-local wrote its lease');

    assertOk(lab.run({ command: 'CHECK', ...call }, { ...conf, prevResult: add.json }), 'CHECK');
    assertOk(lab.run({ command: 'DEL', ...call }, conf), 'DEL');
    assertNothingLeft(lab, 'DEL');
    assertOk(lab.run({ command: 'DEL', ...call }, conf), 'DEL again');
  });

  it("host-local's own failure comes back with its code, and the veth is undone", () => {
    const pod = lab.newPod();
    // host-local 1.x does not speak 1.1.0: it refuses with code 1.
    const out = lab.run({ command: 'ADD', containerId: 'hl-2', netns: pod.path, ifname: 'eth0' }, { ...conf, cniVersion: '1.1.0' });
    const text = assertCniError(out, 1, 'host-local at 1.1.0');
    assert.ok(text.includes('host-local'), `the error names the delegate: ${text}`);
    assertNothingLeft(lab, 'delegate failure');
  });

  it('host-local missing from CNI_PATH: code 7 naming ipam.type, nothing left', () => {
    const pod = lab.newPod();
    const out = lab.run({ command: 'ADD', containerId: 'hl-3', netns: pod.path, ifname: 'eth0', path: '/nonexistent-pwt' }, conf);
    const text = assertCniError(out, 7, 'host-local not in CNI_PATH');
    assert.ok(text.includes('ipam.type'), `the error names ipam.type: ${text}`);
    assertNothingLeft(lab, 'delegate not found');
  });
});
