// The human form of a `policy trace` verdict: a one-line answer (verdict,
// connection, the deciding side and its policies or rule), then one line per
// side, then notes (pods without an address facing ipBlock rules, malformed
// fields of the policies involved). Everything is read from evaluate()'s
// result and the model it was computed from; nothing is decided here.
import type { DirectionVerdict, TrafficVerdict } from '../../core/policy/evaluate.js';
import type { PolicyDirection, PolicyProtocol } from '../../core/policy/inputs.js';
import type { PolicyEntry, PolicyModel, RuleEntry } from '../../core/policy/model.js';
import type { PortEntry } from '../../core/policy/ports.js';

export interface TraceQuery {
  readonly port: number;
  readonly protocol: PolicyProtocol;
}

const policyByKey = (model: PolicyModel, key: string): PolicyEntry | undefined => model.policies.find((p) => p.key === key);

function typesOf(p: PolicyEntry | undefined): string {
  if (!p) return '?';
  return [p.isolates.ingress ? 'Ingress' : '', p.isolates.egress ? 'Egress' : ''].filter(Boolean).join(', ');
}

function describePort(e: PortEntry, q: TraceQuery, destination: string): string {
  switch (e.kind) {
    case 'range': return e.from === e.to ? `${e.from}/${e.protocol}` : `${e.from}-${e.to}/${e.protocol}`;
    case 'all': return `every ${e.protocol} port`;
    case 'named': return `named port "${e.name}"/${e.protocol} = ${q.port} on ${destination}`;
    case 'invalid': return `invalid (${e.problem})`;
  }
}

function ruleOf(model: PolicyModel, v: DirectionVerdict, direction: PolicyDirection): { policy: PolicyEntry; rule: RuleEntry } | undefined {
  const by = v.allowedBy;
  const policy = by ? policyByKey(model, by.policy) : undefined;
  const rule = policy && by ? policy[direction].find((r) => r.index === by.ruleIndex) : undefined;
  return policy && rule ? { policy, rule } : undefined;
}

/** "y/allow-x rule 0 (from[0] pods({}) in namespaces(ns=x), ports[0] 80/TCP)". */
function describeAllow(model: PolicyModel, v: DirectionVerdict, direction: PolicyDirection, q: TraceQuery, destination: string): string {
  const found = ruleOf(model, v, direction);
  const by = v.allowedBy;
  if (!found || !by) return v.reason;
  const field = direction === 'ingress' ? 'from' : 'to';
  const peer = by.peerIndex === null ? `any peer (no ${field})` : `${field}[${by.peerIndex}] ${found.rule.peers?.[by.peerIndex]?.description ?? '?'}`;
  const portEntry = by.portIndex === null ? undefined : found.rule.ports?.[by.portIndex];
  const port = by.portIndex === null || !portEntry ? 'any port (no ports)' : `ports[${by.portIndex}] ${describePort(portEntry, q, destination)}`;
  return `${found.policy.key} rule ${by.ruleIndex} (${peer}, ${port})`;
}

function sideSummary(model: PolicyModel, v: DirectionVerdict, direction: PolicyDirection, other: string, q: TraceQuery, destination: string): string {
  const at = `${direction} at ${v.pod ?? '?'}`;
  if (!v.isolated) return `${at} not isolated`;
  const isolatedBy = v.policies.map((k) => `${k} (policyTypes ${typesOf(policyByKey(model, k))})`).join(', ');
  if (v.allowedBy) return `${at} allowed by ${describeAllow(model, v, direction, q, destination)}`;
  if (v.allowed) return `${at} isolated by ${isolatedBy}; ${v.reason}`;
  const dir = direction === 'ingress' ? 'from' : 'to';
  return `${at} isolated by ${isolatedBy}; no ${direction} rule of [${v.policies.join(', ')}] allows ${dir} ${other}`;
}

function sideDetail(model: PolicyModel, v: DirectionVerdict, direction: PolicyDirection, q: TraceQuery, destination: string): string {
  if (v.pod === undefined) return v.reason;
  if (!v.isolated) return `${v.pod}: not isolated (no policy with policyType ${direction === 'ingress' ? 'Ingress' : 'Egress'} selects it)`;
  const isolated = `${v.pod}: isolated by ${v.policies.join(', ')}`;
  if (v.allowedBy) return `${isolated}; allowed by ${describeAllow(model, v, direction, q, destination)}`;
  return `${isolated}; ${v.allowed ? v.reason : `no rule allows it (${v.reason})`}`;
}

/** Notes that qualify the answer: addresses an ipBlock would need, malformed policy fields involved. */
export function traceNotes(model: PolicyModel, v: TrafficVerdict): string[] {
  const notes: string[] = [];
  const involved = new Set([...v.egress.policies, ...v.ingress.policies]);
  const usesIpBlocks = [...involved].some((k) => {
    const p = policyByKey(model, k);
    return p !== undefined && [...p.ingress, ...p.egress].some((r) => (r.peers ?? []).some((peer) => peer.kind === 'ipBlock'));
  });
  if (usesIpBlocks) {
    for (const key of [v.egress.pod, v.ingress.pod]) {
      const i = key === undefined ? undefined : model.podByKey.get(key);
      if (i !== undefined && (model.pods[i]?.addresses.length ?? 0) === 0) {
        notes.push(`${key as string} has no address (not yet running, or from a manifest): ipBlock peers cannot match it`);
      }
    }
  }
  for (const p of model.problems) if (involved.has(p.policy)) notes.push(`${p.policy} ${p.field}: ${p.message} (matches nothing)`);
  return notes;
}

export function formatTrace(model: PolicyModel, v: TrafficVerdict, q: TraceQuery, origin: string): string {
  const src = v.egress.pod ?? v.from;
  const dst = v.ingress.pod ?? v.to;
  const head = `${v.allowed ? 'ALLOWED' : 'DENIED'} ${src} → ${dst} :${q.port}/${q.protocol}`;
  // Exemptions (a pod to itself, to or from its own node) are the only allowed reasons not made of the two sides.
  const exempt = v.allowed && !v.reason.startsWith('allowed: egress:');
  let summary: string;
  if (exempt) {
    summary = v.reason.replace(/^allowed: /, '');
  } else {
    const sides: string[] = [];
    if (v.egress.pod !== undefined && (v.allowed || !v.egress.allowed)) sides.push(sideSummary(model, v.egress, 'egress', dst, q, dst));
    if (v.ingress.pod !== undefined && (v.allowed || !v.ingress.allowed)) sides.push(sideSummary(model, v.ingress, 'ingress', src, q, dst));
    summary = sides.length > 0 ? sides.join('; ') : v.reason;
  }
  const lines = [
    `${head} — ${summary}`,
    `  from     ${v.from}`,
    `  to       ${v.to}`,
    `  egress   ${v.egress.allowed ? 'allow' : 'deny '}  ${sideDetail(model, v.egress, 'egress', q, dst)}`,
    `  ingress  ${v.ingress.allowed ? 'allow' : 'deny '}  ${sideDetail(model, v.ingress, 'ingress', q, dst)}`,
    `  objects  ${origin}`,
    ...traceNotes(model, v).map((n) => `  note     ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
