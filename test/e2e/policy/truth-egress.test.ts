// Egress NetworkPolicy end to end on the routed backend (3 nodes, x/y/z ×
// a/b/c; vxlan runs the egress-http scenario of truth-table.test.ts): for
// each case the full TCP 80 and UDP 81 matrices must agree with evaluate().
// - default-deny egress in y plus an allow to namespace z on the named port
//   dns (81/UDP): y reaches z on UDP 81 only, TCP 80 nowhere but its own node;
// - ipBlock egress with except: y may reach 10.244.0.0/16 minus node3's pod
//   block and 10.255.0.0/24 (the node underlay) minus node2's address;
// - port rules for SCTP only: they admit neither TCP 80 nor UDP 81. Probing
//   SCTP itself would need SCTP sockets, which this kernel lacks; the SCTP
//   semantics are covered by the unit tests (test/unit/policy/).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { labUnavailable } from '../lab/lab-harness.js';
import { policy, type Manifest } from './policy-lab.js';
import { assertPlacement, cells, PROBES, T, truthLab, type Probed } from './truth-lab.js';

const skip = labUnavailable() ?? false;

const defaultDenyEgressY = policy('y', 'default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] });
const allowZDns = policy('y', 'allow-z-dns', {
  podSelector: {},
  policyTypes: ['Egress'],
  egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'z' } } }], ports: [{ protocol: 'UDP', port: 'dns' }] }],
});
const sctpOnly = policy('x', 'sctp-only', { podSelector: {}, ingress: [{ ports: [{ protocol: 'SCTP', port: 80 }, { protocol: 'SCTP', port: 81 }] }] });

describe('NetworkPolicy egress truth tables, routed backend: lab probe agrees with evaluate()', { skip }, () => {
  const t = truthLab('e', 'routed');
  let ipBlockEgress: Manifest | undefined;

  before(() => t.up());
  after(() => t.down());

  /** Both matrices, each re-probed until it agrees (5 s at most). */
  async function agree(name: string): Promise<Record<'TCP' | 'UDP', Probed>> {
    const out: Partial<Record<'TCP' | 'UDP', Probed>> = {};
    for (const [protocol, port] of PROBES) {
      const r = await t.converge(protocol, port);
      assert.deepEqual(r.wrong, [], `${name}, ${protocol}/${port}`);
      out[protocol] = r;
      t.timings.push(`${name} ${protocol}: agreed after ${r.ms} ms (${r.probes} probe${r.probes > 1 ? 's' : ''})`);
    }
    assert.ok(out.TCP && out.UDP);
    return { TCP: out.TCP, UDP: out.UDP };
  }

  test('setup: the routed lab runs 9 pods over 3 nodes', () => assertPlacement(t));

  test('default-deny egress in y + allow to namespace z on named port dns (81/UDP)', T, async () => {
    await t.lab.apply([defaultDenyEgressY, allowZDns]);
    const m = await agree('deny egress y + z dns');
    const nodeOf = new Map((await t.model()).pods.map((p) => [`${p.namespace}/${p.name}`, p.node]));
    for (const from of ['y/a', 'y/b', 'y/c']) {
      for (const to of ['x/a', 'y/a', 'z/a', 'z/b', 'z/c']) {
        if (from === to) continue;
        assert.equal(m.TCP.matrix[from]?.[to], false, `${from} → ${to} TCP 80: egress denied`);
        assert.equal(m.UDP.matrix[from]?.[to], to.startsWith('z/'), `${from} → ${to} UDP 81`);
      }
      for (const n of ['node1', 'node2', 'node3']) {
        // A pod and its own node are never filtered; other nodes are not in namespace z.
        const own = nodeOf.get(from) === n;
        assert.equal(m.TCP.matrix[from]?.[`node/${n}`], own, `${from} → node/${n} TCP 80`);
      }
    }
    for (const [from, , v] of cells(m.TCP.matrix)) if (!from.startsWith('y/')) assert.ok(v, `${from}: only y is isolated`);
  });

  test('ipBlock egress with except (pod CIDR minus node3\'s block, underlay minus node2)', T, async () => {
    await t.lab.delete([defaultDenyEgressY, allowZDns]);
    const status = await t.status();
    const node3Block = status.nodes.find((n) => n.name === 'node3')?.podCIDRs[0];
    const node2IP = t.nodeIPs().get('node2');
    assert.ok(node3Block && node2IP);
    ipBlockEgress = policy('y', 'egress-blocks', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.244.0.0/16', except: [node3Block] } }, { ipBlock: { cidr: '10.255.0.0/24', except: [`${node2IP}/32`] } }] }],
    });
    await t.lab.apply([ipBlockEgress]);
    const m = await agree('ipBlock egress');
    const model = await t.model();
    const nodeOf = new Map(model.pods.map((p) => [`${p.namespace}/${p.name}`, p.node]));
    for (const [from, to, v] of cells(m.TCP.matrix)) {
      if (!from.startsWith('y/') || from === to) continue;
      const own = to.startsWith('node/') ? to === `node/${nodeOf.get(from) ?? ''}` : nodeOf.get(to) === nodeOf.get(from);
      if (own && to.startsWith('node/')) continue; // own node: never filtered
      const excepted = to === 'node/node2' || (!to.startsWith('node/') && nodeOf.get(to) === 'node3');
      assert.equal(v, !excepted, `${from} → ${to} TCP 80`);
    }
  });

  test('port rules for SCTP only admit neither TCP 80 nor UDP 81', T, async () => {
    if (ipBlockEgress) await t.lab.delete([ipBlockEgress]);
    await t.lab.apply([sctpOnly]);
    const m = await agree('SCTP-only ingress in x');
    for (const proto of ['TCP', 'UDP'] as const) {
      for (const [from, to, v] of cells(m[proto].matrix)) if (to.startsWith('x/') && from !== to) assert.equal(v, false, `${from} → ${to} ${proto}`);
    }
  });

  test('SCTP port rules probed with SCTP traffic', { skip: 'SCTP sockets: not in this kernel' }, () => undefined);
});
