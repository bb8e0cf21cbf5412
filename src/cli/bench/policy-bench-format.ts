// The text report of `bench policy`: the setup, the full sync stage by stage
// (median of the rounds), one row per change kind, and the RSS of the agent
// process and of the bench process, in
// aligned tables. Targets are printed beside the figures, never asserted.
import { renderTable } from '../table.js';
import { CHANGE_KINDS, type PolicyBenchReport } from './policy-bench.js';

const f = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');

export function formatPolicyBenchReport(r: PolicyBenchReport): string {
  const head = [
    `NetworkPolicy benchmark: ${r.pods} pods in ${r.namespaces} namespaces on ${r.nodes} node(s) (${r.localPods} on the bench node), ${r.policies} policies`,
    `table: ${r.ruleset.chains} chains, ${r.ruleset.sets} sets, ${r.ruleset.elements} elements, ${f(r.ruleset.scriptBytes / 1e6, 2)} MB of nft text; netns ${r.netns}; store seeded in ${f(r.seedSeconds)} s`,
    '',
    `Full sync (median of ${r.fullSync.rounds.length}; target total < 2000 ms)`,
  ].join('\n');
  const p = r.fullSync.p50;
  const full = renderTable(
    ['list', 'build model', 'compile', 'render', 'nft apply', 'total ms'],
    [[f(p.listMs), f(p.buildMs), f(p.compileMs), f(p.renderMs), f(p.applyMs), f(p.totalMs)]],
    ['right', 'right', 'right', 'right', 'right', 'right'],
  );
  const rows = CHANGE_KINDS.map((k) => {
    const c = r.changes[k];
    return [k, String(c.n), f(c.p50), f(c.p99), f(c.max), f(c.syncP50), f(c.nftP50, 2)];
  });
  const changes = renderTable(['change', 'n', 'p50 ms', 'p99 ms', 'max ms', 'sync p50', 'nft p50'], rows, ['left', 'right', 'right', 'right', 'right', 'right', 'right']);
  const tail = [
    `(store write → nft transaction returned, through the agent's PolicyController, its scheduling included (syncs spaced by the last one's duration, at most ${r.debounceMs} ms); target p99 < 100 ms)`,
    `controller: first full sync ${f(r.controllerFirstSyncMs)} ms; syncs full ${r.controller.syncs.full}, incremental ${r.controller.syncs.incremental}, noop ${r.controller.syncs.noop}; errors ${r.controller.errors}`,
    `agent RSS: ${f(r.rssMB.now)} MB now, ${f(r.rssMB.peak)} MB peak (target < 200 MB); bench process: ${f(r.benchRssMB.now)} MB now, ${f(r.benchRssMB.peak)} MB peak`,
    `netns ${r.netns}: ${r.cleanedUp ? 'removed' : 'STILL PRESENT'}`,
  ].join('\n');
  return `${head}\n${full}\nSingle changes\n${changes}${tail}\n`;
}
