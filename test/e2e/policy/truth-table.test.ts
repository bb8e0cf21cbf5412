// NetworkPolicy end to end: a 3-node lab (real agents enforcing policy in
// their node netns), namespaces x, y, z with pods a, b, c each (80/TCP named
// http, 81/UDP named dns; round-robin placement puts every namespace on every
// node, so same-node and cross-node pairs are both in each matrix). Policies
// are applied one scenario after the other; for each, the full `lab probe
// --json` matrix (9 pods → 9 pods + 3 nodes, TCP 80 and UDP 81) must equal
// evaluate() of the model built from the store's objects, for every pair.
// The agents converge asynchronously, so each matrix is re-probed until it
// agrees (or 5 s pass, and the disagreements are the failure).
// The scenarios and the machinery are in truth-lab.ts, shared with the
// routed backend's table (truth-table-routed.test.ts).
import { after, before, describe, test } from 'node:test';
import { labUnavailable } from '../lab/lab-harness.js';
import { assertPlacement, runIpBlockIngress, runScenario, SCENARIOS, T, truthLab } from './truth-lab.js';

const skip = labUnavailable() ?? false;

describe('NetworkPolicy truth tables: lab probe agrees with evaluate() for every pair', { skip }, () => {
  const t = truthLab('t', 'vxlan');

  before(() => t.up());
  after(() => t.down());

  test('scenario setup: the lab runs 9 pods over 3 nodes', () => assertPlacement(t));

  for (const s of SCENARIOS) test(s.name, T, () => runScenario(t, s, { requireNodeCoverage: true }));

  test('ipBlock with except: x admits the cluster CIDR minus one node\'s block', T, () => runIpBlockIngress(t));
});
