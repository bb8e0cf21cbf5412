// Text output of the lab commands: aligned tables (table.ts), the probe
// matrix and its summary line. Pure.
import type { ActionReport } from '../../lab/apply.js';
import type { DownReport } from '../../lab/lab-down.js';
import type { UpReport } from '../../lab/lab-up.js';
import type { ProbeReport } from '../../lab/probe.js';
import type { LabStatus } from '../../lab/status.js';
import { renderTable } from '../table.js';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function formatActions(reports: readonly ActionReport[]): string {
  return reports.map((r) => `${r.ref} ${r.action}${r.detail ? `  (${r.detail})` : ''}\n`).join('');
}

export function formatUp(r: UpReport, backend: string, labDir: string): string {
  const t = r.timings;
  return `${formatActions(r.applied)}lab up: ${r.nodes.length} nodes (${backend}) at ${labDir} in ${seconds(t.total)}`
    + ` [topology ${seconds(t.topology)}, agents ready ${seconds(t.agents)}, manifests ${seconds(t.pods)}]\n`;
}

export function formatDown(r: DownReport): string {
  const lines = r.warnings.map((w) => `warning: ${w}\n`);
  lines.push(`lab down: ${r.processesStopped} processes stopped, ${r.netnsRemoved.length} network namespaces removed`
    + `${r.labDirRemoved ? ', lab dir removed' : ''}${r.prefixes.length > 0 ? ` (prefix ${r.prefixes.join(', ')})` : ''}\n`);
  return lines.join('');
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

export function formatStatus(s: LabStatus): string {
  const nodes = renderTable(
    ['NODE', 'UNDERLAY', 'POD CIDR', 'BACKEND', 'AGENT', 'PEERS', 'PODS'],
    s.nodes.map((n) => [n.name, n.underlayIP, n.podCIDRs.join(',') || '-', n.backend, n.agent, n.peers === undefined ? '-' : String(n.peers), String(n.pods)]),
    ['left', 'left', 'left', 'left', 'left', 'right', 'right'],
  );
  const pods = s.pods.length === 0 ? 'No pods.\n' : renderTable(
    ['POD', 'NODE', 'IP', 'PHASE', 'SERVER', 'LABELS'],
    s.pods.map((p) => [`${p.namespace}/${p.name}`, p.node, p.ips.join(',') || '-', p.phase, p.server, labelText(p.labels)]),
  );
  return `Lab ${s.labDir} (prefix ${s.prefix}, backend ${s.backend})\n\n${nodes}\n${pods}`;
}

/** Probe answers whose reported source is not one of the source pod's addresses (pod targets only). */
export function rewrittenSources(r: ProbeReport): Array<{ from: string; to: string; seen: string }> {
  const out: Array<{ from: string; to: string; seen: string }> = [];
  for (const from of r.sources) {
    const ips = r.sourceIPs[from] ?? [];
    for (const [to, o] of Object.entries(r.results[from] ?? {})) {
      if (o.ok && !to.startsWith('node/') && o.peer !== undefined && !ips.includes(o.peer)) out.push({ from, to, seen: o.peer });
    }
  }
  return out;
}

/** Continuous mode: echoes sent and received and connections broken, over every pair. */
export function continuousTotals(r: ProbeReport): { sent: number; received: number; broken: number } | undefined {
  let t: { sent: number; received: number; broken: number } | undefined;
  for (const row of Object.values(r.results)) {
    for (const o of Object.values(row)) {
      if (o.sent === undefined) continue;
      t ??= { sent: 0, received: 0, broken: 0 };
      t.sent += o.sent;
      t.received += o.received ?? 0;
      t.broken += o.broken ?? 0;
    }
  }
  return t;
}

export function probeSummary(r: ProbeReport): string {
  let podOk = 0;
  let podAll = 0;
  let nodeOk = 0;
  let nodeAll = 0;
  for (const from of r.sources) {
    for (const [to, o] of Object.entries(r.results[from] ?? {})) {
      if (to.startsWith('node/')) {
        nodeAll++;
        if (o.ok) nodeOk++;
      } else {
        podAll++;
        if (o.ok) podOk++;
      }
    }
  }
  const nat = rewrittenSources(r);
  const cont = continuousTotals(r);
  return `${podOk}/${podAll} pod→pod and ${nodeOk}/${nodeAll} pod→node reachable on ${r.port}/${r.protocol} in ${seconds(r.elapsedMs)}`
    + (cont ? ` (continuous: ${cont.received}/${cont.sent} echoes, ${cont.broken} broken connections)` : '')
    + (nat.length === 0 ? '; pod source addresses preserved' : `; ${nat.length} answers saw another source address (e.g. ${nat[0]?.from} → ${nat[0]?.to} seen as ${nat[0]?.seen})`);
}

export function formatProbeMatrix(r: ProbeReport): string {
  if (r.sources.length === 0) return 'No pods to probe from.\n';
  const rows = r.sources.map((from) => [from, ...r.targets.map((to) => {
    const o = r.results[from]?.[to];
    if (!o) return '?';
    if (o.ok) return '✓';
    return '✗';
  })]);
  const failures = r.sources.flatMap((from) => r.targets
    .filter((to) => r.results[from]?.[to]?.ok === false)
    .map((to) => `  ${from} → ${to}: ${r.results[from]?.[to]?.error ?? 'failed'}`));
  const shown = failures.slice(0, 10);
  const more = failures.length > shown.length ? [`  ... and ${failures.length - shown.length} more`] : [];
  return renderTable(['FROM \\ TO', ...r.targets], rows)
    + (shown.length > 0 ? `\nFailures:\n${[...shown, ...more].join('\n')}\n` : '')
    + `\n${probeSummary(r)}\n`;
}

/** `{"ns/from": {"ns/to": true|false}}` */
export function probeJson(r: ProbeReport): Record<string, Record<string, boolean>> {
  return Object.fromEntries(r.sources.map((from) => [from, Object.fromEntries(r.targets.map((to) => [to, r.results[from]?.[to]?.ok === true]))]));
}
