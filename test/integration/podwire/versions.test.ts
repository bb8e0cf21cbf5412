// ADD then DEL of the built podwire plugin at every spec version it speaks:
// the result's shape for that version, what netlink reports in the host and
// pod netns afterwards, and that DEL leaves no veth, lease or nft element.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addrsIn } from '../../helpers/netns.js';
import { assertNothingLeft, assertOk, bare, createLab, leaseFiles, linkDetails, nftElements, routesIn, tagOf, type Lab } from './lab.js';

const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
const MTU = 1400;

interface Result {
  cniVersion: string;
  interfaces: Array<{ name: string; mac?: string; mtu?: number; sandbox?: string }>;
  ips: Array<{ version?: string; interface?: number; address: string; gateway?: string }>;
  routes?: Array<{ dst: string; gw?: string }>;
  dns?: unknown;
}

/** Host veth names seen per container ID: the name must be a function of (containerID, ifname). */
const vethNames = new Map<string, string>();

describe('podwire ADD/DEL at every spec version', () => {
  let lab: Lab;
  before(() => {
    lab = createLab({ network: 'pwt-versions', bridge: 'pwtver0', ranges: [[{ subnet: '10.91.0.0/24' }], [{ subnet: 'fd00:91::/64' }]] });
  });
  after(() => lab?.remove());

  for (const version of VERSIONS) {
    it(`cniVersion ${version}: result shape, kernel state, clean DEL`, () => {
      const pod = lab.newPod();
      const containerId = `ver-${version.replace(/\./g, '')}`;
      const conf = lab.conf({ cniVersion: version, isDefaultGateway: true, ipMasq: true, mtu: MTU });
      const call = { containerId, netns: pod.path, ifname: 'eth0' };
      const add = lab.run({ command: 'ADD', ...call }, conf);
      assertOk(add, 'ADD');
      const r = add.json as Result;
      const legacy = version < '1.0.0';

      // The result, in this version's shape.
      assert.equal(r.cniVersion, version);
      const veth = r.interfaces[1]?.name ?? '';
      assert.match(veth, /^pw[0-9a-f]{11}$/, 'the host veth is "pw" and 11 hex digits');
      assert.ok(![...vethNames.values()].includes(veth), 'another attachment, another name');
      vethNames.set(containerId, veth);
      assert.deepEqual(r.interfaces.map((i) => i.name), [lab.bridge, veth, 'eth0'], 'bridge, host veth, container interface');
      assert.deepEqual(r.interfaces.map((i) => i.sandbox), [undefined, undefined, pod.path], 'only the container interface has a sandbox');
      for (const i of r.interfaces) assert.match(i.mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, `${i.name} has a MAC`);
      assert.equal(r.interfaces[2]?.mtu, version === '1.1.0' ? MTU : undefined, 'interface mtu is printed from 1.1.0 on');
      assert.equal(r.ips.length, 2, 'one address per range set');
      const [ip4, ip6] = r.ips;
      assert.match(ip4?.address ?? '', /^10\.91\.0\.\d+\/24$/);
      assert.equal(ip4?.gateway, '10.91.0.1');
      assert.match(ip6?.address ?? '', /^fd00:91::[0-9a-f]+\/64$/);
      assert.equal(ip6?.gateway, 'fd00:91::1');
      for (const ip of r.ips) assert.equal(ip.interface, 2, `${ip.address} points at the container interface`);
      assert.deepEqual(r.ips.map((ip) => ip.version), legacy ? ['4', '6'] : [undefined, undefined], 'per-IP version only before 1.0.0');
      assert.deepEqual(r.routes, [{ dst: '0.0.0.0/0', gw: '10.91.0.1' }, { dst: '::/0', gw: 'fd00:91::1' }]);
      assert.deepEqual(r.dns, {});

      // Host netns: the veth is a port of the bridge, named, tagged and sized as configured.
      const hostLinks = linkDetails(lab.host);
      const hostVeth = hostLinks.find((l) => l.ifname === veth);
      assert.ok(hostVeth, `host veth ${veth} exists`);
      assert.equal(hostVeth.master, lab.bridge);
      assert.equal(hostVeth.mtu, MTU);
      assert.equal(hostVeth.linkinfo?.info_kind, 'veth');
      assert.equal(hostVeth.ifalias, `podwire:${tagOf(lab, containerId)}`);
      assert.ok(hostVeth.flags.includes('UP'), 'host veth is up');
      assert.equal(hostVeth.address, r.interfaces[1]?.mac);
      const bridge = hostLinks.find((l) => l.ifname === lab.bridge);
      assert.equal(bridge?.linkinfo?.info_kind, 'bridge');
      assert.ok(bridge?.flags.includes('UP'), 'bridge is up');
      const onBridge = addrsIn(lab.host, lab.bridge);
      assert.ok(onBridge.includes('10.91.0.1/24') && onBridge.includes('fd00:91::1/64'), `gateways on the bridge: ${onBridge.join(', ')}`);

      // Pod netns: the interface, its addresses and routes.
      const eth0 = linkDetails(pod).find((l) => l.ifname === 'eth0');
      assert.ok(eth0, 'eth0 exists in the pod');
      assert.equal(eth0.mtu, MTU);
      assert.equal(eth0.address, r.interfaces[2]?.mac);
      assert.ok(eth0.flags.includes('UP'), 'eth0 is up');
      const onEth0 = addrsIn(pod, 'eth0');
      for (const ip of r.ips) assert.ok(onEth0.includes(ip.address), `${ip.address} on eth0 (${onEth0.join(', ')})`);
      assert.ok(routesIn(pod, 4).some((x) => x.dst === 'default' && x.gateway === '10.91.0.1' && x.dev === 'eth0'), 'IPv4 default route via the gateway');
      assert.ok(routesIn(pod, 6).some((x) => x.dst === 'default' && x.gateway === 'fd00:91::1' && x.dev === 'eth0'), 'IPv6 default route via the gateway');

      // State held for the attachment: leases and tagged masquerade elements.
      assert.deepEqual(leaseFiles(lab), r.ips.map((ip) => bare(ip.address)).sort());
      const masq = nftElements(lab.host).filter((e) => e.comment === tagOf(lab, containerId) && e.set.startsWith('masq-src'));
      assert.deepEqual(masq.map((e) => [e.set, e.val]).sort(), [['masq-src4', bare(ip4?.address ?? '')], ['masq-src6', bare(ip6?.address ?? '')]], 'masquerade elements tagged with the attachment');

      const del = lab.run({ command: 'DEL', ...call }, conf);
      assertOk(del, 'DEL');
      assert.equal(del.stdout, '', 'DEL prints nothing');
      assertNothingLeft(lab, `after DEL at ${version}`);
      assert.ok(!linkDetails(pod).some((l) => l.ifname === 'eth0'), 'eth0 is gone from the pod');
    });
  }

  it('the host veth name is a function of (containerID, ifname): the same after DEL and a new ADD', () => {
    const [containerId, first] = [...vethNames.entries()][0] ?? ['', ''];
    const pod = lab.newPod();
    const conf = lab.conf();
    const add = lab.run({ command: 'ADD', containerId, netns: pod.path, ifname: 'eth0' }, conf);
    assertOk(add, 'ADD again');
    assert.equal((add.json as Result).interfaces[1]?.name, first);
    assertOk(lab.run({ command: 'DEL', containerId, ifname: 'eth0' }, conf), 'DEL');
  });
});
