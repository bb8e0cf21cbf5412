// The per-attachment knobs as netlink reports them: hairpinMode on the bridge
// port, promiscMode on the bridge, the pod MAC from runtimeConfig.mac or
// CNI_ARGS MAC (runtimeConfig wins), the MTU default taken from the host's
// default-route interface, ipam routes via the gateway, and isGateway off.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addressesOn, assertCniError, assertOk, createLab, linkDetails, routesIn, type Json, type Lab } from './lab.js';

describe('podwire options', () => {
  let lab: Lab;
  before(() => {
    lab = createLab({ network: 'pwt-opts', bridge: 'pwtopts0' });
  });
  after(() => lab?.remove());

  function add(containerId: string, extra: Json, args?: string): { eth0: ReturnType<typeof linkDetails>[number] | undefined; json: Json; pod: ReturnType<Lab['newPod']> } {
    const pod = lab.newPod();
    const out = lab.run({ command: 'ADD', containerId, netns: pod.path, ifname: 'eth0', ...(args !== undefined ? { args } : {}) }, lab.conf(extra));
    assertOk(out, `ADD ${containerId}`);
    return { eth0: linkDetails(pod).find((l) => l.ifname === 'eth0'), json: out.json as Json, pod };
  }

  it('hairpinMode turns hairpin on for the host veth only', () => {
    const plain = add('opt-nohairpin', { bridge: 'pwthair0' });
    const hair = add('opt-hairpin', { bridge: 'pwthair0', hairpinMode: true });
    const vethOf = (json: Json): string => (json as { interfaces: Array<{ name: string }> }).interfaces[1]?.name ?? '';
    const links = linkDetails(lab.host);
    assert.equal(links.find((l) => l.ifname === vethOf(hair.json))?.linkinfo?.info_slave_data?.hairpin, true, 'hairpin on');
    assert.equal(links.find((l) => l.ifname === vethOf(plain.json))?.linkinfo?.info_slave_data?.hairpin, false, 'hairpin off without the option');
  });

  it('promiscMode puts the bridge in promiscuous mode', () => {
    add('opt-promisc', { bridge: 'pwtprom0', promiscMode: true });
    const bridge = linkDetails(lab.host).find((l) => l.ifname === 'pwtprom0');
    assert.ok(bridge?.flags.includes('PROMISC'), `bridge flags: ${bridge?.flags.join(',') ?? 'none'}`);
  });

  it('runtimeConfig.mac sets the pod MAC, and wins over CNI_ARGS MAC', () => {
    const a = add('opt-rtmac', { bridge: 'pwtmac0', runtimeConfig: { mac: '02:00:5E:10:00:11' } }, 'IgnoreUnknown=1;MAC=02:00:5e:10:00:22');
    assert.equal(a.eth0?.address, '02:00:5e:10:00:11');
    assert.equal((a.json as { interfaces: Array<{ mac?: string }> }).interfaces[2]?.mac, '02:00:5e:10:00:11', 'the result reports it');
  });

  it('CNI_ARGS MAC sets the pod MAC; a multicast one is refused with 4', () => {
    const a = add('opt-argmac', { bridge: 'pwtmac0' }, 'IgnoreUnknown=1;K8S_POD_NAME=x;MAC=02:00:5e:10:00:33');
    assert.equal(a.eth0?.address, '02:00:5e:10:00:33');
    const pod = lab.newPod();
    const out = lab.run({ command: 'ADD', containerId: 'opt-mcast', netns: pod.path, ifname: 'eth0', args: 'MAC=01:00:5e:00:00:01' }, lab.conf({ bridge: 'pwtmac0' }));
    assertCniError(out, 4, 'multicast MAC');
  });

  it('without mtu, the pod takes the MTU of the host interface holding the default route', () => {
    lab.host.exec('ip', ['link', 'add', 'pwtuplink', 'mtu', '9000', 'type', 'veth', 'peer', 'name', 'pwtuplinkp', 'mtu', '9000']);
    lab.host.exec('ip', ['addr', 'add', '198.51.100.5/30', 'dev', 'pwtuplink']);
    lab.host.exec('ip', ['link', 'set', 'pwtuplink', 'up']);
    lab.host.exec('ip', ['link', 'set', 'pwtuplinkp', 'up']);
    lab.host.exec('ip', ['route', 'add', 'default', 'via', '198.51.100.6', 'dev', 'pwtuplink']);
    try {
      const a = add('opt-mtu', { bridge: 'pwtmtu0' });
      assert.equal(a.eth0?.mtu, 9000);
    } finally {
      lab.host.exec('ip', ['link', 'del', 'pwtuplink']);
    }
    const b = add('opt-mtu-noroute', { bridge: 'pwtmtu1' });
    assert.equal(b.eth0?.mtu, 1500, 'and 1500 without a default route');
  });

  it('ipam routes without gw go via the gateway; isGateway off puts no address on the bridge and no default route', () => {
    const conf = {
      bridge: 'pwtnogw0', isGateway: false,
      ipam: { type: 'podwire-ipam', dataDir: lab.dataDir, ranges: [[{ subnet: '10.93.0.0/24' }]], routes: [{ dst: '192.0.2.0/24' }] },
    };
    const a = add('opt-nogw', conf);
    assert.deepEqual((a.json as { routes?: unknown }).routes, [{ dst: '192.0.2.0/24', gw: '10.93.0.1' }]);
    assert.ok(routesIn(a.pod, 4).some((r) => r.dst === '192.0.2.0/24' && r.gateway === '10.93.0.1'), 'the route is in the pod');
    assert.ok(!routesIn(a.pod, 4).some((r) => r.dst === 'default'), 'no default route');
    assert.deepEqual(addressesOn(lab.host, 'pwtnogw0').filter((x) => !x.startsWith('fe80:')), [], 'no gateway address on the bridge');
  });
});
