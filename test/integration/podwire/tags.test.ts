// The attachment tag "<network>/<containerID>/<ifname>" is how DEL, GC and
// CHECK find nft elements (element comments) and host veths (ifalias). These
// tests feed identities the spec and the kernel accept but the tag handling
// does not: each must either work end to end (ADD, then DEL leaves nothing)
// or be refused up front with a config/env error and nothing created.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { PluginOutcome } from '../../helpers/plugin.js';
import { assertNothingLeft, assertOk, createLab, nftElements, type Json, type Lab } from './lab.js';

describe('podwire attachment tags at their limits', () => {
  // One lab per test: an element one case leaks must not fail the next.
  const labs: Lab[] = [];
  after(() => {
    for (const lab of labs) lab.remove();
  });

  /** ADD works and DEL leaves nothing, or ADD is refused with `refusal` and leaves nothing. */
  function addThenDel(containerId: string, ifname: string, extra: Json, refusal: number): void {
    const lab = createLab({ network: typeof extra.name === 'string' ? extra.name : 'pwt-tags', bridge: 'pwttags0' });
    labs.push(lab);
    const conf = lab.conf(extra);
    const pod = lab.newPod();
    const add: PluginOutcome = lab.run({ command: 'ADD', containerId, netns: pod.path, ifname }, conf);
    if (add.status === 0) {
      const comments = nftElements(lab.host).map((e) => e.comment);
      assert.ok(comments.length > 0, 'ADD created tagged elements');
      assertOk(lab.run({ command: 'DEL', containerId, ifname }, conf), 'DEL');
    } else {
      assert.equal((add.json as { code?: unknown } | undefined)?.code, refusal, `ADD either works or is refused with ${refusal}: ${add.stdout}`);
    }
    assertNothingLeft(lab, 'after ADD and DEL');
  }

  it('the usual identity: a 64-hex container ID and a short network name', () => {
    addThenDel('a'.repeat(64), 'eth0', { ipMasq: true, macspoofchk: true }, 7);
  });

  it('an ifname with a double quote (the kernel and the skel accept it) leaks no masquerade element', () => {
    addThenDel('quote-1', 'e"0', { ipMasq: true }, 4);
  });

  it('a 64-hex container ID on a network with a 60-character name', () => {
    addThenDel('b'.repeat(64), 'eth0', { name: `pwt-${'n'.repeat(56)}`, ipMasq: true }, 7);
  });
});
