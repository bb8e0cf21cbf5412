// Memory between builds and compiles, so one cluster change costs about what
// it touches instead of a rebuild of everything. The agent keeps one
// PolicyCache and passes it to every buildPolicyModel() and compilePolicy();
// the results are exactly those of a call without a cache (tested change
// kind by change kind in test/unit/policy/incremental.test.ts): the cache
// only lets a pure function skip work whose inputs it has seen.
//
// What is remembered, and the key that makes reuse safe:
// - per input object (WeakMap, so deleted objects are collected): a pod's
//   and a policy's facts (model-facts.ts). Inputs are never edited in place
//   (informers replace objects), so identity stands for content;
// - per namespace: the label index of its pods, reused while the namespace
//   holds the very same label objects in the same order;
// - per set, map and chain name: the last value compiled under that name
//   and a signature of what decided it (element texts in model order, the
//   comment); an equal signature returns the same object, unsorted and
//   unrendered, and diff.ts skips identical objects without looking inside;
// - hash names of canonical keys, and address texts (shared strings);
// - per pod named-ports object: how each class's named-port references
//   resolve on it (the ingress class key part).
// Name-keyed entries live two generations: whatever a pass did not use is
// dropped at the start of the next one, so the cache holds about one table.
import { formatIp, type IpAddress } from '../ip/address.js';
import type { Labels, NetworkPolicyInput, PodInput } from './inputs.js';
import { policyFacts, podFacts, type PodFacts, type PolicyFacts } from './model-facts.js';
import type { NftChain } from './ruleset.js';
import { LabelIndex } from './selectors.js';

class Generations<V> {
  private current = new Map<string, V>();
  private next = new Map<string, V>();

  get(key: string): V | undefined {
    let v = this.next.get(key);
    if (v === undefined) {
      v = this.current.get(key);
      if (v !== undefined) this.next.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.next.set(key, value);
  }

  /** Starts a pass: entries the last pass did not touch are dropped. */
  rotate(): void {
    this.current = this.next;
    this.next = new Map();
  }
}

const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Deep equality of plain data (objects, arrays, primitives). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], bb[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

export class PolicyCache {
  private readonly pods = new WeakMap<PodInput, PodFacts>();
  private readonly policies = new WeakMap<NetworkPolicyInput, PolicyFacts>();
  private readonly texts = new WeakMap<IpAddress, string>();
  private readonly resolved = new WeakMap<object, Map<string, string>>();
  private readonly indexes = new Generations<{ labels: readonly Labels[]; index: LabelIndex }>();
  private readonly hashes = new Generations<string>();
  private readonly values = new Generations<{ signature: readonly unknown[]; value: unknown }>();
  private readonly chains = new Generations<NftChain>();

  /** Called by buildPolicyModel. */
  beginBuild(): void {
    this.indexes.rotate();
  }

  /** Called by compilePolicy. */
  beginCompile(): void {
    this.hashes.rotate();
    this.values.rotate();
    this.chains.rotate();
  }

  podFacts(p: PodInput): PodFacts {
    let f = this.pods.get(p);
    if (!f) this.pods.set(p, (f = podFacts(p)));
    return f;
  }

  policyFacts(p: NetworkPolicyInput): PolicyFacts {
    let f = this.policies.get(p);
    if (!f) this.policies.set(p, (f = policyFacts(p)));
    return f;
  }

  /** The label index of a namespace's pods, reused while they carry the same label objects. */
  labelIndex(namespace: string, labels: readonly Labels[]): LabelIndex {
    const hit = this.indexes.get(namespace);
    if (hit && sameList(hit.labels, labels)) return hit.index;
    const index = new LabelIndex(labels);
    this.indexes.set(namespace, { labels, index });
    return index;
  }

  /** formatIp, one shared string per address object. */
  ipText(ip: IpAddress): string {
    let t = this.texts.get(ip);
    if (t === undefined) this.texts.set(ip, (t = formatIp(ip)));
    return t;
  }

  /**
   * How a class's named-port references (`refs`) resolve on a pod, remembered
   * per named-ports object (one per pod object, from its facts).
   */
  resolvedPorts(namedPorts: object, refs: string, compute: () => string): string {
    let byRefs = this.resolved.get(namedPorts);
    if (!byRefs) this.resolved.set(namedPorts, (byRefs = new Map()));
    let r = byRefs.get(refs);
    if (r === undefined) byRefs.set(refs, (r = compute()));
    return r;
  }

  hash(key: string, compute: (key: string) => string): string {
    let h = this.hashes.get(key);
    if (h === undefined) this.hashes.set(key, (h = compute(key)));
    return h;
  }

  /** The value last made under `name` when its signature is the same; else make() and remember it. */
  reuse<T>(name: string, signature: readonly unknown[], make: () => T): T {
    const hit = this.values.get(name);
    if (hit && sameList(hit.signature, signature)) return hit.value as T;
    const value = make();
    this.values.set(name, { signature, value });
    return value;
  }

  /** The chain last compiled under this name when it is equal in every field, else `chain`. */
  chain(chain: NftChain): NftChain {
    const hit = this.chains.get(chain.name);
    if (hit && sameValue(hit, chain)) return hit;
    this.chains.set(chain.name, chain);
    return chain;
  }
}
