// `lab down` removes everything whatever happened before:
// - `lab up` SIGKILLed half-way through creating 30 pods (agents running, some
//   pods wired, some namespaces not yet recorded);
// - the state file lost: the sweep by prefix still finds every netns and every
//   process inside them;
// - run twice, or with no lab at all: nothing to do, exit 0.
// Also: the 3 nodes x 10 pods bring-up completes (its time is printed as a
// diagnostic, never asserted: speed is measured by hand, not in tests).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { LabStatus } from '../../../src/lab/status.js';
import { labUnavailable, leftovers, netnsOf, pidsInLab, sleep, testLab } from './lab-harness.js';

const skip = labUnavailable() ?? false;
const T = { timeout: 180_000 };

function podsYaml(count: number): string {
  return Array.from({ length: count }, (_, i) => `---
apiVersion: v1
kind: Pod
metadata: {name: p${i}, namespace: bench, labels: {app: bench}}
spec:
  containers:
    - name: c
      ports: [{containerPort: 80}, {containerPort: 81, protocol: UDP}]
`).join('');
}

describe('lab down', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pwlab-down-'));
  const pods30 = join(scratch, 'pods30.yaml');
  writeFileSync(pods30, podsYaml(30));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('3 nodes x 10 pods come up, then down leaves nothing', T, async (t) => {
    const lab = testLab('b');
    try {
      const started = Date.now();
      await lab.ok(['up', '--nodes', '3', '--prefix', lab.prefix, '-f', pods30]);
      const st = await lab.json<LabStatus>(['status']);
      assert.deepEqual(st.nodes.map((n) => n.pods), [10, 10, 10]);
      t.diagnostic(`bring-up of 3 nodes x 10 pods: ${Date.now() - started} ms`);
      const pids = pidsInLab(lab.prefix);
      assert.ok(pids.length >= 33, `expected agents and servers, found ${pids.length} processes`);
      await lab.ok(['down']);
      assert.deepEqual(leftovers(lab, pids), []);
    } finally {
      await lab.run(['down', '--prefix', lab.prefix]);
    }
  });

  test('after `lab up` is SIGKILLed half-way', T, async () => {
    const lab = testLab('k');
    try {
      const up = lab.start(['up', '--nodes', '3', '--prefix', lab.prefix, '-f', pods30]);
      // Wait until pods are being created, then kill the command mid-flight.
      const deadline = Date.now() + 60_000;
      while (!netnsOf(lab.prefix).some((n) => n.includes('-pod-')) && Date.now() < deadline) await sleep(20);
      await sleep(300);
      const pids = pidsInLab(lab.prefix);
      process.kill(up.pid ?? 0, 'SIGKILL');
      await up.done;
      assert.ok(netnsOf(lab.prefix).length > 0, 'the killed up left namespaces to clean');
      const down = await lab.run(['down', '--prefix', lab.prefix]);
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(leftovers(lab, [...pids, ...pidsInLab(lab.prefix)]), []);
    } finally {
      await lab.run(['down', '--prefix', lab.prefix]);
    }
  });

  test('with the state file lost, the sweep by prefix still finds everything', T, async () => {
    const lab = testLab('s');
    try {
      await lab.ok(['up', '--nodes', '2', '--prefix', lab.prefix, '-f', join(process.cwd(), 'examples/lab/pods.yaml')]);
      const pids = pidsInLab(lab.prefix);
      unlinkSync(join(lab.labDir, 'state.json'));
      // Without a state file the prefix must be given (the default is the user's lab).
      const down = await lab.run(['down', '--prefix', lab.prefix]);
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(leftovers(lab, pids), []);
    } finally {
      await lab.run(['down', '--prefix', lab.prefix]);
    }
  });

  test('is idempotent, also with no lab at all', async () => {
    const lab = testLab('i');
    for (let i = 0; i < 2; i++) {
      const r = await lab.run(['down', '--prefix', lab.prefix]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /0 network namespaces removed/);
    }
    assert.deepEqual(leftovers(lab), []);
  });

  test('up refuses to start over leftovers of the same prefix', T, async () => {
    const lab = testLab('l');
    try {
      await lab.ok(['up', '--nodes', '1', '--prefix', lab.prefix]);
      const again = await lab.run(['up', '--nodes', '1', '--prefix', lab.prefix]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /lab down/);
    } finally {
      await lab.run(['down', '--prefix', lab.prefix]);
    }
    assert.deepEqual(leftovers(lab), []);
  });
});
