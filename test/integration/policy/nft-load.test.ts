// The compiled table against the real nft and kernel, in throwaway network
// namespaces (pwp*, removed in after hooks):
// - every golden ruleset loads with `nft -f`, twice (the full render
//   replaces the table in place);
// - a diff script applied on top of a loaded ruleset leaves exactly what a
//   fresh load of the target leaves (`nft -j list table`, handles dropped,
//   set elements sorted);
// - a staged full load (the agent's: built unhooked in small transactions,
//   swapped in by one) leaves what a one-transaction load leaves, over an
//   empty node, over a table in force, and over an earlier staged load that
//   stopped with the staging table in force, and no staging table behind;
// - real TCP and UDP through a routed "host" namespace with pod namespaces
//   behind veths: what passes is what evaluate() says, and an address that
//   is not synced yet is dropped until the diff that adds its pod is applied.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { compilePolicy } from '../../../src/core/policy/compile.js';
import { diffRulesets, renderPlan } from '../../../src/core/policy/diff.js';
import { evaluate } from '../../../src/core/policy/evaluate.js';
import type { PolicyProtocol } from '../../../src/core/policy/inputs.js';
import { renderRuleset } from '../../../src/core/policy/render-nft.js';
import { hookedTables, loadTable } from '../../../src/agent/policy/table-loader.js';
import { renderHookSwap, renderUnhookedBuild } from '../../../src/core/policy/render-staged.js';
import { POLICY_TABLE, type PolicyRuleset } from '../../../src/core/policy/ruleset.js';
import { createNetns, type TestNetns } from '../../helpers/netns.js';
import { startEchoServer, tcpEcho, udpEcho, type EchoServer } from '../../helpers/echo.js';
import { cluster, endpoint, ip4, testPod } from '../../unit/policy/cluster.js';
import { COMPILE_OPTIONS, SCENARIOS } from '../../unit/policy/scenarios.js';

const FIXTURES = new URL('../../../../test/fixtures/policy/', import.meta.url);
const goldens = readdirSync(FIXTURES).filter((f) => f.endsWith('.nft') && !f.endsWith('.diff.nft')).sort();
const compiled = (name: string): PolicyRuleset => compilePolicy(cluster(SCENARIOS[name] ?? []), COMPILE_OPTIONS);

const nftLoad = (ns: TestNetns, script: string): void => void ns.exec('nft', ['-f', '-'], script);

type Listed = Record<string, Record<string, unknown>>;

/**
 * `nft -j list table` without handles, set elements sorted, plus the text
 * listing without element blocks (nft 1.0's JSON leaves out chain comments):
 * comparable across load histories.
 */
function listing(ns: TestNetns): { json: Listed[]; text: string } {
  const raw = ns.exec('nft', ['list', 'table', 'inet', POLICY_TABLE]).replace(/elements = \{[^}]*\}/g, 'elements = { ... }');
  // Blocks in name order: a diff creates objects later than a fresh load, and nft lists by creation.
  const blocks = [...raw.matchAll(/^\t(?:set|map|chain) \S+ \{\n[\s\S]*?^\t\}$/gm)].map((m) => m[0]).sort();
  return { json: jsonListing(ns), text: blocks.join('\n') };
}

function jsonListing(ns: TestNetns): Listed[] {
  const out = JSON.parse(ns.exec('nft', ['-j', 'list', 'table', 'inet', POLICY_TABLE])) as { nftables: Record<string, Record<string, unknown>>[] };
  return out.nftables
    .filter((o) => !('metainfo' in o))
    .map((o) => {
      const [kind, body] = Object.entries(o)[0] as [string, Record<string, unknown>];
      const { handle: _h, ...rest } = body;
      if (Array.isArray(rest.elem)) rest.elem = rest.elem.map((e) => JSON.stringify(e)).sort();
      return { [kind]: rest };
    })
    .sort((a, b) => {
      const key = (x: Listed): string => {
        const [kind, body] = Object.entries(x)[0] as [string, Record<string, unknown>];
        // Rules keep their order within a chain; everything else is by kind and name.
        return kind === 'rule' ? `~rule ${String(body.chain)}` : `${kind} ${String(body.name)}`;
      };
      const ka = key(a);
      const kb = key(b);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
}

describe('golden rulesets load into nft', () => {
  let ns: TestNetns;
  before(() => {
    ns = createNetns('pwp');
  });
  after(() => ns.remove());

  for (const file of goldens) {
    test(file, () => {
      const text = readFileSync(new URL(file, FIXTURES), 'utf8');
      nftLoad(ns, text);
      const first = listing(ns);
      nftLoad(ns, text);
      assert.deepEqual(listing(ns), first, 'a second full load replaces the table with the same contents');
      const chains = first.json.filter((o) => 'chain' in o).length;
      assert.equal(chains, compiled(file.replace(/\.nft$/, '')).chains.length);
      assert.match(first.text, /chain forward \{/);
    });
  }
});

describe('diff scripts applied on a loaded ruleset', () => {
  let applied: TestNetns;
  let fresh: TestNetns;
  before(() => {
    applied = createNetns('pwp');
    fresh = createNetns('pwp');
  });
  after(() => {
    applied.remove();
    fresh.remove();
  });

  const names = Object.keys(SCENARIOS);
  for (const from of names) {
    for (const to of names) {
      if (from === to) continue;
      test(`${from} -> ${to}`, () => {
        nftLoad(applied, renderRuleset(compiled(from)));
        const script = renderPlan(diffRulesets(compiled(from), compiled(to)));
        nftLoad(applied, script);
        nftLoad(fresh, renderRuleset(compiled(to)));
        assert.deepEqual(listing(applied), listing(fresh));
      });
    }
  }

  test('the golden diff script (mixed + one policy) applies', () => {
    nftLoad(applied, readFileSync(new URL('mixed.nft', FIXTURES), 'utf8'));
    nftLoad(applied, readFileSync(new URL('mixed-add-policy.diff.nft', FIXTURES), 'utf8'));
    assert.match(listing(applied).text, /comment "egress of pods isolated by z\/c-out"/);
  });
});

describe('staged full loads', () => {
  let staged: TestNetns;
  let fresh: TestNetns;
  before(() => {
    staged = createNetns('pwp');
    fresh = createNetns('pwp');
  });
  after(() => {
    staged.remove();
    fresh.remove();
  });

  const limits = { elements: 7, rules: 5 };
  const run = (script: string): string => staged.exec('nft', ['-f', '-'], script);
  const tables = (ns: TestNetns): string[] => ns.exec('nft', ['list', 'tables', 'inet']).trim().split('\n').filter((l) => l !== '').sort();

  for (const [label, setup] of [
    ['an empty node', () => staged.exec('nft', ['flush', 'ruleset'])],
    ['a table in force', () => nftLoad(staged, renderRuleset(compiled('deny-all')))],
    ['an earlier load stopped with the staging table in force', () => {
      staged.exec('nft', ['flush', 'ruleset']);
      const r = compiled('deny-all');
      for (const step of renderUnhookedBuild(r, `${POLICY_TABLE}-next`, limits)) run(step);
      run(renderHookSwap(r, `${POLICY_TABLE}-next`, [POLICY_TABLE]));
      for (const step of renderUnhookedBuild(r, POLICY_TABLE, limits).slice(0, 2)) run(step);
    }],
  ] as const) {
    test(`over ${label}: the same table as one transaction`, () => {
      setup();
      const target = compiled('mixed');
      loadTable(run, target, limits);
      nftLoad(fresh, renderRuleset(target));
      assert.deepEqual(listing(staged), listing(fresh));
      assert.deepEqual(tables(staged), [`table inet ${POLICY_TABLE}`]);
      assert.deepEqual([...hookedTables(staged.exec('nft', ['list', 'chains', 'inet']))], [POLICY_TABLE]);
    });
  }
});

describe('real traffic through the compiled table', () => {
  const podKeys = ['x/a', 'x/b', 'y/a', 'z/a'];
  const late = { key: 'x/late', ip: '10.1.0.9' };
  let host: TestNetns;
  const pods = new Map<string, TestNetns>();
  const servers: EchoServer[] = [];

  const attach = (key: string, ip: string, i: number): void => {
    const ns = createNetns('pwp');
    pods.set(key, ns);
    host.exec('ip', ['link', 'add', `vh${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
    host.exec('ip', ['link', 'set', `vh${i}`, 'up']);
    host.exec('sysctl', ['-qw', `net.ipv4.conf.vh${i}.proxy_arp=1`]);
    host.exec('ip', ['route', 'add', `${ip}/32`, 'dev', `vh${i}`]);
    ns.exec('ip', ['addr', 'add', `${ip}/32`, 'dev', 'eth0']);
    ns.exec('ip', ['link', 'set', 'eth0', 'up']);
    ns.exec('ip', ['route', 'add', 'default', 'dev', 'eth0']);
  };

  before(async () => {
    host = createNetns('pwp');
    host.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    podKeys.forEach((k, i) => attach(k, ip4(k), i));
    attach(late.key, late.ip, podKeys.length);
    for (const ns of pods.values()) {
      servers.push(await startEchoServer(ns.path, { tcpPort: 80, udpPort: 80 }), await startEchoServer(ns.path, { tcpPort: 81, udpPort: 81 }));
    }
  });
  after(() => {
    for (const s of servers) s.stop();
    for (const ns of pods.values()) ns.remove();
    host?.remove();
  });

  const reach = async (from: string, to: string, port: number, protocol: PolicyProtocol, timeoutMs: number): Promise<boolean> => {
    const ns = pods.get(from) as TestNetns;
    const target = to === late.key ? late.ip : ip4(to);
    return (await (protocol === 'TCP' ? tcpEcho : udpEcho)(ns.path, target, port, timeoutMs)).ok;
  };

  test('what passes is what evaluate() says (mixed)', async (t) => {
    const model = cluster(SCENARIOS.mixed ?? []);
    nftLoad(host, renderRuleset(compilePolicy(model, COMPILE_OPTIONS)));
    const cases = podKeys.flatMap((from) => podKeys.filter((to) => to !== from).flatMap((to) => [80, 81].flatMap((port) => (['TCP', 'UDP'] as const).map((protocol) => ({ from, to, port, protocol })))));
    let allowed = 0;
    // A few at a time: each probe is a node process, and a denied one waits for its timeout.
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(cases.slice(i, i + 8).map(async (c) => {
        const expected = evaluate(model, { from: endpoint(c.from), to: endpoint(c.to), port: c.port, protocol: c.protocol });
        const got = await reach(c.from, c.to, c.port, c.protocol, expected.allowed ? 3000 : 800);
        assert.equal(got, expected.allowed, `${c.from} -> ${c.to} ${c.port}/${c.protocol}: ${expected.reason}`);
        if (got) allowed++;
      }));
    }
    assert.ok(allowed > 0 && allowed < cases.length, `a mix of allowed and denied (${allowed}/${cases.length})`);
    t.diagnostic(`${allowed} of ${cases.length} probes allowed, the rest dropped, each as evaluate() predicted`);
  });

  test('an unsynced pod address is dropped until the diff adding its pod is applied', async () => {
    const before = compilePolicy(cluster([]), COMPILE_OPTIONS);
    nftLoad(host, renderRuleset(before));
    assert.equal(await reach('y/a', 'x/a', 80, 'TCP', 3000), true);
    assert.equal(await reach('x/late', 'x/a', 80, 'TCP', 800), false, 'not yet synced: from');
    assert.equal(await reach('y/a', late.key, 80, 'TCP', 800), false, 'not yet synced: to');
    const latePod = { ...testPod('x/late'), status: { phase: 'Running', podIPs: [{ ip: late.ip }] } };
    const after = compilePolicy(cluster([], { extraPods: [latePod] }), COMPILE_OPTIONS);
    nftLoad(host, renderPlan(diffRulesets(before, after)));
    assert.equal(await reach('x/late', 'x/a', 80, 'TCP', 3000), true);
    assert.equal(await reach('y/a', late.key, 81, 'UDP', 3000), true);
  });
});
