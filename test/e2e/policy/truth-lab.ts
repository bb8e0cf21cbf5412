// Shared pieces of the NetworkPolicy truth-table e2e files: the x/y/z × a/b/c
// cluster, a lab brought up once per file (either backend), the comparison of
// a full `lab probe --json` matrix with evaluate() of the store's objects, and
// the scenario list that truth-table.test.ts (vxlan) and
// truth-table-routed.test.ts run alike.
//
// Two ways of waiting for the agents:
// - converge(): re-probe until the matrix agrees or 5 s pass (scenarios whose
//   only claim is "the kernel ends up agreeing with evaluate()");
// - inForce(): the claim "in force within one second of `lab apply`/`lab
//   delete` returning": TCP and UDP are probed together, repeatedly, while
//   less than 1 s has passed since the command returned; the last such probe
//   must agree. When it does not, probing goes on up to 5 s only to say in the
//   failure whether the kernel was late or wrong.
import assert from 'node:assert/strict';
import type { PolicyModel } from '../../../src/core/policy/model.js';
import type { LabStatus } from '../../../src/lab/status.js';
import { leftovers, pidsInLab } from '../lab/lab-harness.js';
import { disagreements, expectedMatrix, namespace, pod, policy, policyLab, type Manifest, type Matrix, type PolicyLab } from './policy-lab.js';

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const PODS = ['a', 'b', 'c'] as const;
export const PROBES = [['TCP', 80], ['UDP', 81]] as const;
export type Protocol = 'TCP' | 'UDP';
export type Backend = 'vxlan' | 'routed';
export const T = { timeout: 120_000 };
/** Per-target probe timeout: a denied pair is a drop, so every probe with one lasts this long. */
const PROBE_TIMEOUT_MS = '600';

/** Namespaces x, y, z (label ns=<name>), pods a, b, c in each (label pod=<name>). */
export function clusterObjects(): Manifest[] {
  return [...NAMESPACES.map((n) => namespace(n)), ...NAMESPACES.flatMap((n) => PODS.map((p) => pod(n, p)))];
}

export interface Probed {
  protocol: Protocol;
  port: number;
  matrix: Matrix;
  expected: Matrix;
  wrong: string[];
}

export interface TruthLab {
  readonly lab: PolicyLab;
  readonly backend: Backend;
  /** Timing lines printed after the suite. */
  readonly timings: string[];
  /** `lab up --nodes 3 --backend B`, then the cluster objects. */
  up(): Promise<void>;
  /** `lab down`; fails on anything left behind. */
  down(): Promise<void>;
  status(): Promise<LabStatus>;
  model(): Promise<PolicyModel>;
  nodeIPs(): ReadonlyMap<string, string>;
  /** One probe of the given matrix and what evaluate() says of the model read just before it. */
  probe(protocol: Protocol, port: number): Promise<Probed>;
  /** Re-probes until the matrix agrees or deadlineMs pass. */
  converge(protocol: Protocol, port: number, deadlineMs?: number): Promise<Probed & { ms: number; probes: number }>;
  /** TCP 80 and UDP 81 probed together until both agree, while less than windowMs has passed since `since`. */
  inForce(since: number, windowMs?: number): Promise<InForce>;
}

export interface InForce {
  ok: boolean;
  /** From `since` to the start of the agreeing probe (or of the last one). */
  ms: number;
  probes: number;
  /** How long the agreeing (or last) pair of probes took: their connections go out within it. */
  probeMs: number;
  results: Probed[];
  /** When not ok: whether (and when) the kernel agreed later, up to 5 s. */
  late?: string;
}

export function truthLab(tag: string, backend: Backend): TruthLab {
  const lab = policyLab(tag);
  const timings: string[] = [];
  let nodeIPs = new Map<string, string>();

  async function probe(protocol: Protocol, port: number): Promise<Probed> {
    const model = await lab.model();
    const matrix = await lab.json<Matrix>(['probe', '--protocol', protocol, '--port', String(port), '--timeout', PROBE_TIMEOUT_MS]);
    const expected = expectedMatrix(model, matrix, nodeIPs, port, protocol);
    return { protocol, port, matrix, expected, wrong: disagreements(matrix, expected) };
  }
  const both = (): Promise<Probed[]> => Promise.all(PROBES.map(([protocol, port]) => probe(protocol, port)));

  const t: TruthLab = {
    lab,
    backend,
    timings,
    async up() {
      await lab.ok(['up', '--nodes', '3', '--backend', backend, '--prefix', lab.prefix]);
      await lab.apply(clusterObjects());
      nodeIPs = await lab.nodeIPs();
    },
    async down() {
      const seen = pidsInLab(lab.prefix);
      const down = await lab.run(['down', '--prefix', lab.prefix]);
      lab.close();
      if (timings.length > 0) console.log(`# ${backend}: ${timings.join('; ')}`);
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(leftovers({ prefix: lab.prefix, labDir: lab.labDir } as Parameters<typeof leftovers>[0], seen), []);
    },
    status: () => lab.json<LabStatus>(['status']),
    model: () => lab.model(),
    nodeIPs: () => nodeIPs,
    probe,
    async converge(protocol, port, deadlineMs = 5000) {
      const t0 = Date.now();
      for (let probes = 1; ; probes++) {
        const p = await probe(protocol, port);
        if (p.wrong.length === 0 || Date.now() - t0 > deadlineMs) return { ...p, ms: Date.now() - t0, probes };
      }
    },
    async inForce(since, windowMs = 1000) {
      let probes = 0;
      let started = since;
      let results: Probed[] = [];
      do {
        started = Date.now();
        results = await both();
        probes++;
        if (results.every((r) => r.wrong.length === 0)) return { ok: true, ms: started - since, probes, probeMs: Date.now() - started, results };
      } while (Date.now() - since < windowMs);
      const ms = started - since;
      const probeMs = Date.now() - started;
      let late = 'still wrong after 5 s';
      while (Date.now() - since < 5000) {
        const s = Date.now();
        if ((await both()).every((r) => r.wrong.length === 0)) {
          late = `agreed only ${s - since} ms after the command returned`;
          break;
        }
      }
      return { ok: false, ms, probes, probeMs, results, late };
    },
  };
  return t;
}

/** Every cell of a matrix as `from → to`. */
export const cells = (m: Matrix): [string, string, boolean][] =>
  Object.entries(m).flatMap(([from, row]) => Object.entries(row).map(([to, v]): [string, string, boolean] => [from, to, v]));

/** The 9 × (9 pods + 3 nodes) shape of every matrix. */
export function assertShape(m: Matrix): void {
  assert.equal(Object.keys(m).length, 9);
  for (const row of Object.values(m)) assert.equal(Object.keys(row).length, 12);
}

/**
 * Whether the denied and the allowed pod→pod pairs of a matrix each include a
 * same-node and a cross-node pair: the cases both backends must enforce.
 */
export function nodeCoverage(model: PolicyModel, m: Matrix): Record<'sameAllowed' | 'sameDenied' | 'crossAllowed' | 'crossDenied', number> {
  const nodeOf = new Map(model.pods.map((p) => [`${p.namespace}/${p.name}`, p.node]));
  const out = { sameAllowed: 0, sameDenied: 0, crossAllowed: 0, crossDenied: 0 };
  for (const [from, to, v] of cells(m)) {
    if (from === to || to.startsWith('node/')) continue;
    const same = nodeOf.get(from) === nodeOf.get(to);
    out[`${same ? 'same' : 'cross'}${v ? 'Allowed' : 'Denied'}`]++;
  }
  return out;
}

// ---- The scenario list shared by the vxlan and routed truth tables ----

export interface Scenario {
  name: string;
  apply: Manifest[];
  remove?: Manifest[];
  /** Some pairs must be denied and some allowed: a scenario that changes nothing proves nothing. */
  mixed: boolean;
}

export const denyIngressX = policy('x', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });

export const SCENARIOS: Scenario[] = [
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

/** Runs one scenario: applies it, then every matrix must agree (re-probing up to 5 s). */
export async function runScenario(t: TruthLab, s: Scenario, opts: { requireNodeCoverage?: boolean } = {}): Promise<void> {
  if (s.remove) await t.lab.delete(s.remove);
  if (s.apply.length > 0) await t.lab.apply(s.apply);
  for (const [protocol, port] of PROBES) {
    const { wrong, ms, matrix, probes } = await t.converge(protocol, port);
    assert.deepEqual(wrong, [], `${s.name}, ${protocol}/${port}`);
    assertShape(matrix);
    const values = cells(matrix).map(([, , v]) => v);
    if (s.mixed && protocol === 'TCP') {
      assert.ok(values.includes(true) && values.includes(false), `${s.name}: expected some pairs denied and some allowed`);
      if (opts.requireNodeCoverage) {
        const c = nodeCoverage(await t.model(), matrix);
        assert.ok(c.sameDenied > 0 && c.crossDenied > 0 && c.sameAllowed > 0 && c.crossAllowed > 0, `${s.name}: same-node and cross-node pairs, both allowed and denied: ${JSON.stringify(c)}`);
      }
    }
    t.timings.push(`${s.name} ${protocol}: agreed after ${ms} ms (${probes} probe${probes > 1 ? 's' : ''})`);
  }
}

/** x admits the cluster CIDR minus node2's block: pods on node2 must not reach x. */
export async function runIpBlockIngress(t: TruthLab): Promise<void> {
  const status = await t.status();
  const excluded = status.nodes.find((n) => n.name === 'node2')?.podCIDRs[0];
  assert.ok(excluded);
  await t.lab.delete([policy('x', 'allow-from-b', { podSelector: {} }), policy('y', 'egress-http', { podSelector: {} })]);
  await t.lab.apply([policy('x', 'allow-block', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16', except: [excluded] } }] }] })]);
  for (const [protocol, port] of PROBES) {
    const { wrong, matrix } = await t.converge(protocol, port);
    assert.deepEqual(wrong, [], `ipBlock, ${protocol}/${port}`);
    const model = await t.model();
    const onNode2 = model.pods.filter((p) => p.node === 'node2').map((p) => `${p.namespace}/${p.name}`);
    assert.ok(onNode2.length > 0);
    for (const from of onNode2) {
      for (const to of ['x/a', 'x/b', 'x/c']) if (from !== to) assert.equal(matrix[from]?.[to], false, `${from} → ${to} (excepted block)`);
    }
  }
}

/** The cluster is what every table assumes: 9 pods, every namespace on every node. */
export async function assertPlacement(t: TruthLab): Promise<void> {
  const model = await t.model();
  assert.equal(model.pods.length, 9);
  assert.equal(new Set(model.pods.map((p) => p.node)).size, 3);
  for (const ns of NAMESPACES) assert.equal(new Set(model.pods.filter((p) => p.namespace === ns).map((p) => p.node)).size, 3, `namespace ${ns} on every node`);
  const status = await t.status();
  assert.equal(status.backend, t.backend);
}
