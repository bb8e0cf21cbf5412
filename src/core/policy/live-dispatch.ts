// The dispatch maps of the live table (egress4/6, ingress4/6): local pod
// address → the verdict of its class (`goto <chain>`, or `return` when no
// policy isolates it that way). When two local pods have one address, the
// first in the model's order (namespace, name) keeps it, as in compile.ts.
// Pods are touched as they come and go and when their classes change;
// settle() recomputes the entries of the touched addresses only.
import type { IpFamily } from '../ip/address.js';
import type { PolicyDirection } from './inputs.js';
import type { AddressIndex } from './live-addresses.js';
import { LiveVerdicts } from './live-elements.js';
import { comparePods, textOf, valueOf, type LivePod } from './live-pod.js';
import { dispatchMapName, dispatchMapType } from './set-specs.js';

const verdictOf = (p: LivePod, d: PolicyDirection): string => p.isolation[d].cls?.verdict ?? 'return';

interface FamilyMaps {
  readonly family: IpFamily;
  readonly egress: LiveVerdicts;
  readonly ingress: LiveVerdicts;
  readonly touched: Set<string>;
}

export class LiveDispatch {
  /** By name. */
  readonly maps: LiveVerdicts[] = [];
  private readonly byFamily: FamilyMaps[] = [];

  constructor(families: readonly IpFamily[], private readonly index: AddressIndex) {
    for (const family of families) {
      const m = { family, egress: new LiveVerdicts(dispatchMapName('egress', family), dispatchMapType(family)), ingress: new LiveVerdicts(dispatchMapName('ingress', family), dispatchMapType(family)), touched: new Set<string>() };
      this.byFamily.push(m);
      this.maps.push(m.egress, m.ingress);
    }
    this.maps.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A local pod came, went, or may have changed class. */
  touch(p: LivePod): void {
    for (const m of this.byFamily) {
      const t = textOf(p, m.family);
      if (t !== undefined) m.touched.add(t);
    }
  }

  settle(): void {
    for (const m of this.byFamily) {
      for (const t of m.touched) {
        let owner: LivePod | undefined;
        for (const p of this.index.holders(t)) if (p.local && (!owner || comparePods(p, owner) < 0)) owner = p;
        m.egress.set(t, owner && verdictOf(owner, 'egress'));
        m.ingress.set(t, owner && verdictOf(owner, 'ingress'));
      }
      m.touched.clear();
    }
  }

  /** The entries of one map, by address value. */
  sorted(map: LiveVerdicts): (readonly [string, string])[] {
    const family = (this.byFamily.find((m) => m.egress === map || m.ingress === map) as FamilyMaps).family;
    return map.sorted((t) => valueOf(this.index.holders(t)[0] as LivePod, family) as bigint);
  }

  commit(): void {
    for (const m of this.maps) m.commit();
  }
}
