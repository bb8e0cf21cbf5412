// CHECK against prevResult: passes right after ADD at every version that has
// CHECK (0.4.0 on), is refused below 0.4.0, and fails with 106 naming what
// differs once the pod's address is removed, the host veth is detached from
// the bridge, or a masquerade element disappears.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestNetns } from '../../helpers/netns.js';
import { assertCniError, assertOk, createLab, resultAddresses, type Json, type Lab } from './lab.js';

interface Added { pod: TestNetns; containerId: string; conf: Json; prevResult: unknown; veth: string }

describe('podwire CHECK', () => {
  let lab: Lab;
  before(() => {
    lab = createLab({ network: 'pwt-check', bridge: 'pwtcheck0', ranges: [[{ subnet: '10.91.0.0/24' }], [{ subnet: 'fd00:91::/64' }]] });
  });
  after(() => lab?.remove());

  function addPod(containerId: string, cniVersion = '1.1.0'): Added {
    const pod = lab.newPod();
    const conf = lab.conf({ cniVersion, isDefaultGateway: true, ipMasq: true });
    const add = lab.run({ command: 'ADD', containerId, netns: pod.path, ifname: 'eth0' }, conf);
    assertOk(add, `ADD ${containerId}`);
    const veth = (add.json as { interfaces: Array<{ name: string }> }).interfaces[1]?.name ?? '';
    return { pod, containerId, conf, prevResult: add.json, veth };
  }

  const check = (a: Added): ReturnType<Lab['run']> =>
    lab.run({ command: 'CHECK', containerId: a.containerId, netns: a.pod.path, ifname: 'eth0' }, { ...a.conf, prevResult: a.prevResult });

  for (const version of ['0.4.0', '1.0.0', '1.1.0']) {
    it(`passes right after ADD at ${version}`, () => {
      const a = addPod(`check-ok-${version.replace(/\./g, '')}`, version);
      const out = check(a);
      assertOk(out, 'CHECK');
      assert.equal(out.stdout, '', 'CHECK prints nothing on success');
    });
  }

  it('is refused below 0.4.0 (code 1)', () => {
    const a = addPod('check-old', '0.3.1');
    assertCniError(check(a), 1, 'CHECK at 0.3.1');
  });

  it('fails with 106 naming the address once it is removed from the pod', () => {
    const a = addPod('check-addr');
    const v4 = resultAddresses(a.prevResult).find((x) => !x.includes(':')) ?? '';
    a.pod.exec('ip', ['addr', 'del', v4, 'dev', 'eth0']);
    const text = assertCniError(check(a), 106, 'CHECK without the address');
    assert.ok(text.includes(v4), `the error names ${v4}: ${text}`);
  });

  it('fails with 106 once the host veth is detached from the bridge', () => {
    const a = addPod('check-detach');
    assertOk(check(a), 'CHECK before');
    lab.host.exec('ip', ['link', 'set', 'dev', a.veth, 'nomaster']);
    const text = assertCniError(check(a), 106, 'CHECK with the veth detached');
    assert.ok(text.includes(a.veth) && text.includes(lab.bridge), `the error names the veth and the bridge: ${text}`);
  });

  it('fails with 106 once its masquerade element is gone', () => {
    const a = addPod('check-masq');
    const v4 = (resultAddresses(a.prevResult).find((x) => !x.includes(':')) ?? '').split('/')[0] ?? '';
    lab.host.exec('nft', ['delete', 'element', 'inet', 'podwire', 'masq-src4', `{ ${v4} }`]);
    const text = assertCniError(check(a), 106, 'CHECK without the masquerade element');
    assert.ok(text.includes(v4), `the error names ${v4}: ${text}`);
  });

  it('fails with 106 naming the route once the IPv6 default route is removed', () => {
    const a = addPod('check-route');
    a.pod.exec('ip', ['-6', 'route', 'del', 'default']);
    const text = assertCniError(check(a), 106, 'CHECK without the default route');
    assert.ok(text.includes('::/0'), `the error names ::/0: ${text}`);
  });

  it('fails with 106 once the pod interface has another MAC', () => {
    const a = addPod('check-mac');
    a.pod.exec('ip', ['link', 'set', 'dev', 'eth0', 'address', '02:00:5e:10:00:02']);
    const text = assertCniError(check(a), 106, 'CHECK with another MAC');
    assert.ok(text.includes('02:00:5e:10:00:02'), `the error names the MAC found: ${text}`);
  });

  it('fails with 106 when the pod interface is gone', () => {
    const a = addPod('check-gone');
    a.pod.exec('ip', ['link', 'del', 'eth0']);
    const text = assertCniError(check(a), 106, 'CHECK without eth0');
    assert.ok(text.includes('eth0'), `the error names eth0: ${text}`);
  });
});
