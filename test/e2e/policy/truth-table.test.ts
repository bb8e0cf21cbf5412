// NetworkPolicy end to end: a 3-node lab (real agents enforcing policy in
// their node netns), namespaces x, y, z with pods a, b, c each (80/TCP named
// http, 81/UDP named dns; round-robin placement puts every namespace on every
// node, so same-node and cross-node pairs are both in each matrix). Policies
// are applied one scenario after the other; for each, the full `lab probe
// --json` matrix (9 pods → 9 pods + 3 nodes, TCP 80 and UDP 81) must equal
// evaluate() of the model built from the store's objects, for every pair.
// The agents converge asynchronously, so each matrix is re-probed until it
// agrees (or 5 s pass, and the disagreements are the failure).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { labUnavailable, leftovers, pidsInLab } from '../lab/lab-harness.js';
import { disagreements, expectedMatrix, namespace, pod, policy, policyLab, type Manifest, type Matrix } from './policy-lab.js';

const skip = labUnavailable() ?? false;
const T = { timeout: 120_000 };
const NAMESPACES = ['x', 'y', 'z'];
const PODS = ['a', 'b', 'c'];

const denyIngressX = policy('x', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });

interface Scenario {
  name: string;
  apply: Manifest[];
  remove?: Manifest[];
  /** Some pairs must be denied and some allowed: a scenario that changes nothing proves nothing. */
  mixed: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'no policies', apply: [], mixed: false },
  { name: 'default deny all ingress in x', apply: [denyIngressX], mixed: true },
  {
    name: 'allow from namespace y (namespaceSelector)',
    apply: [policy('x', 'allow-from-y', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] })],
    mixed: true,
  },
  {
    name: 'allow from pod=b in any namespace (namespaceSelector {} + podSelector)',
    remove: [policy('x', 'allow-from-y', { podSelector: {} })],
    apply: [policy('x', 'allow-from-b', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: 'b' } } }] }] })],
    mixed: true,
  },
  {
    name: 'egress deny in y with an allow to port http',
    apply: [policy('y', 'egress-http', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'TCP', port: 'http' }] }] })],
    mixed: true,
  },
];

describe('NetworkPolicy truth tables: lab probe agrees with evaluate() for every pair', { skip }, () => {
  const lab = policyLab('t');
  const seenPids: number[] = [];
  let nodeIPs = new Map<string, string>();
  const timings: string[] = [];

  before(async () => {
    const objects = [...NAMESPACES.map((n) => namespace(n)), ...NAMESPACES.flatMap((n) => PODS.map((p) => pod(n, p)))];
    await lab.ok(['up', '--nodes', '3', '--prefix', lab.prefix]);
    await lab.apply(objects);
    nodeIPs = await lab.nodeIPs();
  });
  after(async () => {
    seenPids.push(...pidsInLab(lab.prefix));
    const down = await lab.run(['down', '--prefix', lab.prefix]);
    lab.close();
    if (timings.length > 0) console.log(`# ${timings.join('; ')}`);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(leftovers({ prefix: lab.prefix, labDir: lab.labDir } as Parameters<typeof leftovers>[0], seenPids), []);
  });

  /** Probes until the matrix agrees with evaluate() or the deadline passes; returns the disagreements. */
  async function converge(protocol: 'TCP' | 'UDP', port: number, deadlineMs = 5000): Promise<{ wrong: string[]; ms: number; matrix: Matrix; probes: number }> {
    const t0 = Date.now();
    for (let probes = 1; ; probes++) {
      const model = await lab.model();
      const matrix = await lab.json<Matrix>(['probe', '--protocol', protocol, '--port', String(port), '--timeout', '600']);
      const wrong = disagreements(matrix, expectedMatrix(model, matrix, nodeIPs, port, protocol));
      if (wrong.length === 0 || Date.now() - t0 > deadlineMs) return { wrong, ms: Date.now() - t0, matrix, probes };
    }
  }

  test('scenario setup: the lab runs 9 pods over 3 nodes', async () => {
    const model = await lab.model();
    assert.equal(model.pods.length, 9);
    assert.equal(new Set(model.pods.map((p) => p.node)).size, 3);
  });

  for (const s of SCENARIOS) {
    test(s.name, T, async () => {
      if (s.remove) await lab.delete(s.remove);
      if (s.apply.length > 0) await lab.apply(s.apply);
      for (const [protocol, port] of [['TCP', 80], ['UDP', 81]] as const) {
        const { wrong, ms, matrix, probes } = await converge(protocol, port);
        assert.deepEqual(wrong, [], `${s.name}, ${protocol}/${port}`);
        assert.equal(Object.keys(matrix).length, 9);
        for (const row of Object.values(matrix)) assert.equal(Object.keys(row).length, 12);
        const cells = Object.values(matrix).flatMap((row) => Object.values(row));
        if (s.mixed && protocol === 'TCP') assert.ok(cells.includes(true) && cells.includes(false), `${s.name}: expected some pairs denied and some allowed`);
        timings.push(`${s.name} ${protocol}: agreed after ${ms} ms (${probes} probe${probes > 1 ? 's' : ''})`);
      }
    });
  }

  test('ipBlock with except: x admits the cluster CIDR minus one node\'s block', T, async () => {
    const status = await lab.json<{ nodes: { name: string; podCIDRs: string[] }[] }>(['status']);
    const excluded = status.nodes.find((n) => n.name === 'node2')?.podCIDRs[0];
    assert.ok(excluded);
    await lab.delete([policy('x', 'allow-from-b', { podSelector: {} }), policy('y', 'egress-http', { podSelector: {} })]);
    await lab.apply([policy('x', 'allow-block', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16', except: [excluded] } }] }] })]);
    for (const [protocol, port] of [['TCP', 80], ['UDP', 81]] as const) {
      const { wrong, matrix } = await converge(protocol, port);
      assert.deepEqual(wrong, [], `ipBlock, ${protocol}/${port}`);
      const model = await lab.model();
      const onNode2 = model.pods.filter((p) => p.node === 'node2').map((p) => `${p.namespace}/${p.name}`);
      for (const from of onNode2) {
        for (const to of ['x/a', 'x/b', 'x/c']) if (from !== to) assert.equal(matrix[from]?.[to], false, `${from} → ${to} (excepted block)`);
      }
    }
  });
});
