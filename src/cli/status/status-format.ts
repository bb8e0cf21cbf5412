// `podwirectl status` as text (pure): an aligned key/value summary of this
// node's agent, then its peers and the nodes it skipped, each as a table.
import { renderTable } from '../table.js';
import { missingParts, type AgentStatusDoc } from './agent-status.js';

const orDash = (v: string | number | null | undefined): string => (v === null || v === undefined || v === '' ? '-' : String(v));

export function readyLine(doc: AgentStatusDoc): string {
  if (doc.ready) return 'yes';
  const missing = missingParts(doc);
  return missing.length > 0 ? `no (waiting for: ${missing.join(', ')})` : 'no';
}

export function formatStatus(doc: AgentStatusDoc, socket: string): string {
  const underlay = [doc.underlayInterface, doc.underlayIP].filter((v) => v !== null).join(' ');
  const summary: Array<[string, string]> = [
    ['node', doc.node],
    ['backend', doc.backend],
    ['pod CIDRs', doc.podCIDRs.length > 0 ? doc.podCIDRs.join(', ') : '-'],
    ['underlay', orDash(underlay)],
    ['VTEP MAC', orDash(doc.vtepMAC)],
    ['MTU', orDash(doc.mtu)],
    ['ready', readyLine(doc)],
    ['nodes known', orDash(doc.nodesKnown)],
    ['conflist', orDash(doc.conflist)],
    ['CNI service', doc.cniService
      ? `${doc.cniService.socket} (served ${doc.cniService.served}, refused ${doc.cniService.refused}${doc.cniService.restarts > 0 ? `, restarted ${doc.cniService.restarts}x` : ''})`
      : 'none (plugins run their verbs themselves)'],
    ['started', orDash(doc.startedAt)],
    ['agent socket', socket],
  ];
  const width = Math.max(...summary.map(([k]) => k.length));
  const out = [summary.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')];
  const dualStack = doc.peers.some((p) => p.podCIDRv6 !== undefined);
  out.push('', `peers (${doc.peers.length})`);
  if (doc.peers.length > 0) {
    const header = ['node', 'podCIDR', ...(dualStack ? ['podCIDRv6'] : []), 'underlayIP', 'error'];
    const rows = doc.peers.map((p) => [p.node, p.podCIDR, ...(dualStack ? [orDash(p.podCIDRv6)] : []), p.underlayIP, orDash(p.error)]);
    out.push(renderTable(header, rows).trimEnd());
  }
  if (doc.skipped.length > 0) {
    out.push('', `skipped (${doc.skipped.length})`, renderTable(['node', 'reason'], doc.skipped.map((s) => [s.node, s.reason])).trimEnd());
  }
  return `${out.join('\n')}\n`;
}
