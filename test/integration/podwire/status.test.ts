// STATUS (CNI 1.1) delegates to IPAM: ready while an address is free, 50
// once the range is exhausted, ready again after DEL. Refused below 1.1.0.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertCniError, assertOk, createLab, type Json, type Lab } from './lab.js';

describe('podwire STATUS', () => {
  let lab: Lab;
  let conf: Json;
  before(() => {
    // A /30: one address besides the gateway.
    lab = createLab({ network: 'pwt-status', bridge: 'pwtstat0', ranges: [[{ subnet: '10.99.4.0/30' }]] });
    conf = lab.conf();
  });
  after(() => lab?.remove());

  it('is ok with a free address, 50 once the range is exhausted, ok again after DEL', () => {
    assertOk(lab.run({ command: 'STATUS' }, conf), 'STATUS before ADD');
    const pod = lab.newPod();
    assertOk(lab.run({ command: 'ADD', containerId: 'status-1', netns: pod.path, ifname: 'eth0' }, conf), 'ADD');
    assertCniError(lab.run({ command: 'STATUS' }, conf), 50, 'STATUS with the range exhausted');
    assertOk(lab.run({ command: 'DEL', containerId: 'status-1', ifname: 'eth0' }, conf), 'DEL');
    assertOk(lab.run({ command: 'STATUS' }, conf), 'STATUS after DEL');
  });

  it('is 50 naming the bridge when its name is held by a non-bridge link', () => {
    lab.host.exec('ip', ['link', 'add', 'pwtstatv', 'type', 'veth', 'peer', 'name', 'pwtstatvp']);
    try {
      const text = assertCniError(lab.run({ command: 'STATUS' }, lab.conf({ bridge: 'pwtstatv' })), 50, 'STATUS with a veth for a bridge');
      assert.ok(text.includes('bridge'), `the error names the bridge: ${text}`);
    } finally {
      lab.host.exec('ip', ['link', 'del', 'pwtstatv']);
    }
  });

  it('is refused below cniVersion 1.1.0 (code 1)', () => {
    assertCniError(lab.run({ command: 'STATUS' }, { ...conf, cniVersion: '1.0.0' }), 1, 'STATUS at 1.0.0');
  });
});
