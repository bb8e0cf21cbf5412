// Putting a whole policy table in force without ever leaving the node
// unenforced, and without libnftables holding all of it at once: the table
// is built unhooked in bounded transactions and swapped in by one small
// transaction (src/core/policy/render-staged.ts explains both halves).
//
// Which steps depends on what the kernel has, read from `nft list chains
// inet` (names and hooks only, no rules or elements):
//   - `podwire-policy` is in force (agent restart, or a failed plan): build
//     `podwire-policy-next`, swap to it (deleting the old table), build
//     `podwire-policy` again, swap back (deleting -next). Two builds: the
//     table keeps its one name everywhere else, and one transaction at a
//     time is ever large;
//   - otherwise (a fresh node, or an earlier load stopped after its first
//     swap, leaving -next in force): build `podwire-policy` (an unhooked one
//     left over is replaced), swap to it (deleting -next if present).
// A table that is in force is only ever deleted by the swap that puts its
// replacement in force. A step that fails leaves one complete table in
// force (the old one, or -next); the caller treats the kernel as unknown and
// loads again, and the second case above finishes the job.
import { renderHookSwap, renderUnhookedBuild, STEP_LIMITS, type StepLimits } from '../../core/policy/render-staged.js';
import type { PolicyRuleset } from '../../core/policy/ruleset.js';

export const STAGING_SUFFIX = '-next';

/** inet tables that have a base chain, from the text of `nft list chains inet`. */
export function hookedTables(listing: string): Set<string> {
  const hooked = new Set<string>();
  let table: string | undefined;
  for (const line of listing.split('\n')) {
    const opened = /^table inet (\S+) \{$/.exec(line);
    if (opened) table = opened[1];
    else if (line === '}') table = undefined;
    else if (table !== undefined && /^\s+type \S+ hook \S+/.test(line)) hooked.add(table);
  }
  return hooked;
}

/** Puts `r` in force as table `r.table`; `run` runs one transaction and returns nft's output. Throws what `run` throws. */
export function loadTable(run: (script: string) => string, r: PolicyRuleset, limits: StepLimits = STEP_LIMITS): void {
  const staging = `${r.table}${STAGING_SUFFIX}`;
  if (hookedTables(run('list chains inet')).has(r.table)) {
    for (const step of renderUnhookedBuild(r, staging, limits)) run(step);
    run(renderHookSwap(r, staging, [r.table]));
  }
  for (const step of renderUnhookedBuild(r, r.table, limits)) run(step);
  run(renderHookSwap(r, r.table, [staging]));
}
