// A staged full load (render-staged.ts, table-loader.ts) writes the same
// table as renderRuleset(), in bounded transactions, with the base chain
// only in the swap; the loader replaces a table in force through the
// staging name, and never deletes a table in force except in the swap that
// hooks its replacement. The same names as fnv1a64 (set-specs.ts hashName).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hookedTables, loadTable } from '../../../src/agent/policy/table-loader.js';
import { compilePolicy } from '../../../src/core/policy/compile.js';
import { fnv1a64 } from '../../../src/core/masq/names.js';
import { renderRuleset } from '../../../src/core/policy/render-nft.js';
import { renderHookSwap, renderUnhookedBuild } from '../../../src/core/policy/render-staged.js';
import { POLICY_TABLE } from '../../../src/core/policy/ruleset.js';
import { hashName } from '../../../src/core/policy/set-specs.js';
import { cluster } from './cluster.js';
import { COMPILE_OPTIONS, SCENARIOS } from './scenarios.js';

const mixed = compilePolicy(cluster(SCENARIOS.mixed ?? []), COMPILE_OPTIONS);
/** Script lines, one per element for `add element` lines (steps split them differently). */
const lines = (scripts: readonly string[]): string[] => scripts.flatMap((s) => s.trimEnd().split('\n')).flatMap((l) => {
  const m = /^(add element \S+ \S+ \S+) \{ (.*) \}$/.exec(l);
  return m ? (m[2] as string).split(', ').map((e) => `${m[1] as string} { ${e} }`) : [l];
});
const TABLE_LINES = /^(add|delete) table /;

describe('staged full load', () => {
  test('build + swap carry exactly the lines of the one-transaction load; the base chain only in the swap', () => {
    const limits = { elements: 5, rules: 4 };
    const build = renderUnhookedBuild(mixed, POLICY_TABLE, limits);
    const swap = renderHookSwap(mixed, POLICY_TABLE, [`${POLICY_TABLE}-next`]);
    const staged = [...lines(build), ...lines([swap])].filter((l) => !TABLE_LINES.test(l)).sort();
    const whole = lines([renderRuleset(mixed)]).filter((l) => !TABLE_LINES.test(l)).sort();
    assert.deepEqual(staged, whole);
    assert.ok(build.every((s) => !s.includes('hook forward')), 'nothing hooked while building');
    assert.match(swap, /^add chain inet podwire-policy forward \{ type filter hook forward/);
    assert.match(swap, /add table inet podwire-policy-next\ndelete table inet podwire-policy-next\n$/);
    // Bounded steps: at most `elements` elements or `rules` rules per transaction after the declarations.
    for (const s of build.slice(1)) {
      const ruleCount = s.split('\n').filter((l) => l.startsWith('add rule')).length;
      const elementCount = s.split('\n').filter((l) => l.startsWith('add element')).reduce((n, l) => n + l.split(', ').length, 0);
      assert.ok(ruleCount <= 4 && elementCount <= 5 && (ruleCount === 0 || elementCount === 0), s);
    }
    assert.ok(build.length > 5);
  });

  test('building under another name renames only the table', () => {
    const other = renderUnhookedBuild(mixed, 'podwire-policy-next').join('');
    assert.equal(other.replace(/inet podwire-policy-next\b/g, 'inet podwire-policy'), renderUnhookedBuild(mixed, POLICY_TABLE).join(''));
  });
});

const LISTING = `table inet podwire {
	chain pod-masquerade {
		type nat hook postrouting priority srcnat; policy accept;
	}
}
table inet podwire-policy {
	chain forward {
		type filter hook forward priority filter; policy accept;
	}
	chain egress {
	}
}
table inet podwire-policy-next {
	chain egress {
	}
}
`;

describe('table loader', () => {
  test('hookedTables reads which tables have a base chain', () => {
    assert.deepEqual([...hookedTables(LISTING)].sort(), ['podwire', 'podwire-policy']);
    assert.deepEqual([...hookedTables('')], []);
  });

  /** A fake kernel: which of our two tables exist and which is hooked, from the scripts run. */
  function kernel(initial: { exists: string[]; hooked: string[] }): { run: (s: string) => string; log: string[]; hooked: Set<string>; exists: Set<string> } {
    const exists = new Set(initial.exists);
    const hooked = new Set(initial.hooked);
    const log: string[] = [];
    const run = (script: string): string => {
      if (script === 'list chains inet') return [...exists].map((t) => `table inet ${t} {\n${hooked.has(t) ? '\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n\t}\n' : ''}}\n`).join('');
      for (const line of script.trimEnd().split('\n')) {
        const [verb, what, , name] = line.split(' ');
        if (what === 'table' && verb === 'add') exists.add(name as string);
        if (what === 'table' && verb === 'delete') {
          assert.ok(!hooked.has(name as string) || /hook forward/.test(script), `a table in force is deleted only by a swap: ${name}`);
          exists.delete(name as string);
          hooked.delete(name as string);
        }
        if (what === 'chain' && line.includes('hook forward')) hooked.add(name as string);
      }
      // Never a moment without a hooked table once there was one.
      if (initial.hooked.length > 0) assert.ok(hooked.size > 0, `nothing in force after: ${script.slice(0, 80)}`);
      log.push(script.split('\n')[0] as string);
      return '';
    };
    return { run, log, hooked, exists };
  }

  for (const [label, initial, builds] of [
    ['a fresh node: one build', { exists: [], hooked: [] }, 1],
    ['a leftover unhooked table: one build', { exists: ['podwire-policy'], hooked: [] }, 1],
    ['the table in force (restart): two builds through -next', { exists: ['podwire-policy'], hooked: ['podwire-policy'] }, 2],
    ['an earlier load stopped with -next in force: one build', { exists: ['podwire-policy-next', 'podwire-policy'], hooked: ['podwire-policy-next'] }, 1],
  ] as const) {
    test(label, () => {
      const k = kernel({ exists: [...initial.exists], hooked: [...initial.hooked] });
      loadTable(k.run, mixed, { elements: 50, rules: 20 });
      assert.deepEqual([...k.hooked], ['podwire-policy']);
      assert.deepEqual([...k.exists], ['podwire-policy']);
      assert.equal(k.log.filter((l) => l === 'add table inet podwire-policy' || l === 'add table inet podwire-policy-next').length, builds);
    });
  }
});

test('hashName is FNV-1a 64 of the UTF-8 bytes, as fnv1a64', () => {
  const keys = ['', 'a', 'in:ns0|app=app1', 'ns:team=t3|tier=web\nin:ns2|*', 'ünïcødé/€', '\u0000\u007f\u0080', 'x'.repeat(1000)];
  for (let i = 0; i < 500; i++) keys.push(Array.from({ length: i % 60 }, (_, j) => String.fromCharCode(32 + ((i * 31 + j * 7) % 95))).join(''));
  for (const k of keys) assert.equal(hashName(k), fnv1a64(k).toString(16).padStart(16, '0'), JSON.stringify(k));
});
