// Where a pod without spec.nodeName runs: the node with the fewest lab pods,
// ties broken by node order (node1 < node2 < node10), so a list of pods is
// spread round-robin. Pure.

export function compareNodeNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export interface Placement {
  key: string;
  nodeName?: string | undefined;
}

/** Node per pod key; throws for a pod pinned to a node the lab does not have. */
export function placePods(nodes: readonly string[], load: Readonly<Record<string, number>>, pods: readonly Placement[]): Map<string, string> {
  if (nodes.length === 0) throw new Error('the lab has no nodes');
  const ordered = [...nodes].sort(compareNodeNames);
  const count = new Map(ordered.map((n) => [n, load[n] ?? 0]));
  const out = new Map<string, string>();
  for (const p of pods) {
    let node = p.nodeName;
    if (node !== undefined) {
      if (!count.has(node)) throw new Error(`pod ${p.key}: spec.nodeName ${JSON.stringify(node)} is not a lab node (${ordered.join(', ')})`);
    } else {
      node = ordered.reduce((best, n) => ((count.get(n) ?? 0) < (count.get(best) ?? 0) ? n : best), ordered[0] ?? '');
    }
    count.set(node, (count.get(node) ?? 0) + 1);
    out.set(p.key, node);
  }
  return out;
}
