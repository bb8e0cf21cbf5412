// Address text → the selectable pods that have it (usually one). The live
// sets derive an element's presence from it ("does a member pod still have
// this address?") instead of counting elements per set, and the dispatch
// maps find an address's owner among the local pods it lists.
import type { IpFamily } from '../ip/address.js';
import { textOf, type LivePod } from './live-pod.js';

const NONE: readonly LivePod[] = [];

export class AddressIndex {
  private readonly byText = new Map<string, LivePod | LivePod[]>();

  constructor(private readonly families: readonly IpFamily[]) {}

  add(p: LivePod): void {
    for (const f of this.families) {
      const t = textOf(p, f);
      if (t === undefined) continue;
      const cur = this.byText.get(t);
      this.byText.set(t, cur === undefined ? p : Array.isArray(cur) ? [...cur, p] : [cur, p]);
    }
  }

  remove(p: LivePod): void {
    for (const f of this.families) {
      const t = textOf(p, f);
      if (t === undefined) continue;
      const cur = this.byText.get(t);
      if (cur === p || cur === undefined) this.byText.delete(t);
      else if (Array.isArray(cur)) {
        const rest = cur.filter((x) => x !== p);
        this.byText.set(t, rest.length === 1 ? (rest[0] as LivePod) : rest);
      }
    }
  }

  holders(t: string): readonly LivePod[] {
    const cur = this.byText.get(t);
    return cur === undefined ? NONE : Array.isArray(cur) ? cur : [cur];
  }
}
