// A packet-by-packet interpreter of a compiled PolicyRuleset, following
// nft's semantics for what the compiler emits: rules in order, jump pushes
// a return point, goto does not, return pops (at the base chain: the
// chain policy), a verdict map that has no entry for the key continues
// with the next rule. It lets unit tests check the compiled dataplane
// against evaluate() for every pair of endpoints without a kernel.
import { tryParseIp, type IpFamily } from '../../../src/core/ip/address.js';
import { cidrContains, tryParseCidr } from '../../../src/core/ip/cidr.js';
import type { L4Protocol, Match, NftChain, NftSet, PolicyRuleset } from '../../../src/core/policy/ruleset.js';

export interface Packet {
  family: IpFamily;
  saddr: string;
  daddr: string;
  protocol: L4Protocol;
  dport: number;
  ct?: 'new' | 'established' | 'related';
}

function inElement(element: string, address: string): boolean {
  const ip = tryParseIp(address);
  if (!ip) return false;
  if (element.includes('/')) {
    const c = tryParseCidr(element);
    return c !== undefined && cidrContains(c, ip);
  }
  if (element.includes('-')) {
    const [lo, hi] = element.split('-').map((t) => tryParseIp(t));
    return lo !== undefined && hi !== undefined && lo.family === ip.family && lo.value <= ip.value && ip.value <= hi.value;
  }
  const e = tryParseIp(element);
  return e !== undefined && e.family === ip.family && e.value === ip.value;
}

function matches(m: Match, p: Packet, set: (name: string) => NftSet): boolean {
  const addr = (field: 'saddr' | 'daddr'): string => (field === 'saddr' ? p.saddr : p.daddr);
  switch (m.kind) {
    case 'ct':
      return m.states.includes(p.ct ?? 'new');
    case 'addr-set':
      return m.family === p.family && set(m.set).elements.some((e) => inElement(e, addr(m.field)));
    case 'addr-cidr':
      return m.family === p.family && inElement(m.cidr, addr(m.field));
    case 'pair-set':
      return m.family === p.family && set(m.set).elements.includes(`${p.saddr} . ${p.daddr}`);
    case 'service-set':
      return m.family === p.family && set(m.set).elements.includes(`${p.daddr} . ${p.protocol} . ${p.dport}`);
    case 'l4':
      return m.protocol === p.protocol && (m.ports === null || m.ports.some(([a, b]) => a <= p.dport && p.dport <= b));
  }
}

/** Runs the packet through the base chain; returns the table's verdict and the chains it passed. */
export function simulate(r: PolicyRuleset, p: Packet): { verdict: 'accept' | 'drop'; trail: string[] } {
  const chains = new Map(r.chains.map((c) => [c.name, c]));
  const sets = new Map(r.sets.map((s) => [s.name, s]));
  const maps = new Map(r.maps.map((m) => [m.name, new Map(m.entries)]));
  const set = (name: string): NftSet => {
    const s = sets.get(name);
    if (!s) throw new Error(`no set ${name}`);
    return s;
  };
  const chain = (name: string): NftChain => {
    const c = chains.get(name);
    if (!c) throw new Error(`no chain ${name}`);
    return c;
  };
  const base = r.chains.find((c) => c.base !== undefined) as NftChain;
  const trail = [base.name];
  const stack: { chain: NftChain; next: number }[] = [];
  let cur = { chain: base, next: 0 };
  for (let steps = 0; steps < 10_000; steps++) {
    const rule = cur.chain.rules[cur.next];
    if (!rule) {
      const back = stack.pop();
      if (!back) return { verdict: 'accept', trail };
      cur = back;
      continue;
    }
    cur.next++;
    if (!rule.matches.every((m) => matches(m, p, set))) continue;
    let v = rule.verdict.kind === 'vmap' ? undefined : rule.verdict;
    if (rule.verdict.kind === 'vmap') {
      const key = rule.verdict.family === p.family ? (rule.verdict.field === 'saddr' ? p.saddr : p.daddr) : undefined;
      const text = key === undefined ? undefined : maps.get(rule.verdict.map)?.get(key);
      if (text === undefined) continue;
      const [kind, target] = text.split(' ') as ['accept' | 'drop' | 'return' | 'jump' | 'goto', string | undefined];
      v = kind === 'jump' || kind === 'goto' ? { kind, chain: target as string } : { kind };
    }
    if (!v) continue;
    switch (v.kind) {
      case 'accept':
      case 'drop':
        return { verdict: v.kind, trail };
      case 'return': {
        const back = stack.pop();
        if (!back) return { verdict: 'accept', trail };
        cur = back;
        break;
      }
      case 'jump':
        stack.push(cur);
        trail.push(v.chain);
        cur = { chain: chain(v.chain), next: 0 };
        break;
      case 'goto':
        trail.push(v.chain);
        cur = { chain: chain(v.chain), next: 0 };
        break;
    }
  }
  throw new Error('simulate: loop');
}
