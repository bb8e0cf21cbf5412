// The NetworkPolicy truth tables of truth-table.test.ts on the routed backend:
// enforcement must hold for both backends. Same lab shape (3 nodes, x/y/z ×
// a/b/c, every namespace on every node), same scenarios, same comparison of
// the full TCP 80 and UDP 81 matrices with evaluate(); every mixed scenario
// must show allowed and denied pairs both on one node and across nodes.
import { after, before, describe, test } from 'node:test';
import { labUnavailable } from '../lab/lab-harness.js';
import { assertPlacement, runIpBlockIngress, runScenario, SCENARIOS, T, truthLab } from './truth-lab.js';

const skip = labUnavailable() ?? false;

describe('NetworkPolicy truth tables, routed backend: lab probe agrees with evaluate() for every pair', { skip }, () => {
  const t = truthLab('r', 'routed');

  before(() => t.up());
  after(() => t.down());

  test('scenario setup: the routed lab runs 9 pods over 3 nodes', () => assertPlacement(t));

  for (const s of SCENARIOS) test(s.name, T, () => runScenario(t, s, { requireNodeCoverage: true }));

  test('ipBlock with except: x admits the cluster CIDR minus one node\'s block', T, () => runIpBlockIngress(t));
});
