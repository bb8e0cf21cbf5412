// Test helpers around LivePolicy: feed it a whole PolicyInputs (only the
// objects that differ by identity from the last feed are passed on, as the
// agent passes informer events), and the compile options of a from-scratch
// compile as its target and update options.
import { formatIp } from '../../../src/core/ip/address.js';
import { familiesOf, parsePodCidrs, type CompileOptions } from '../../../src/core/policy/compile-table.js';
import type { PolicyInputs } from '../../../src/core/policy/inputs.js';
import { LivePolicy, type LiveOptions } from '../../../src/core/policy/live-policy.js';

type Keyed = { readonly metadata: { readonly name: string; readonly namespace?: string } };
const keyOf = (o: Keyed): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;

export class LiveFeed {
  readonly live: LivePolicy;
  private last: Record<'pods' | 'policies' | 'namespaces' | 'nodes', Map<string, unknown>> = { pods: new Map(), policies: new Map(), namespaces: new Map(), nodes: new Map() };

  constructor(private readonly options: CompileOptions) {
    this.live = new LivePolicy({ ...(options.node !== undefined ? { node: options.node } : {}), families: familiesOf(options, parsePodCidrs(options.podCidrs ?? [])) });
  }

  /** Passes what changed since the last feed, then updates the table. */
  feed(inputs: PolicyInputs): void {
    const sync = <T extends Keyed>(kind: keyof LiveFeed['last'], items: readonly T[], key: (o: T) => string, set: (k: string, o: T | undefined) => void): void => {
      const next = new Map(items.map((o) => [key(o), o] as const));
      for (const k of this.last[kind].keys()) if (!next.has(k)) set(k, undefined);
      for (const [k, o] of next) if (this.last[kind].get(k) !== o) set(k, o);
      this.last[kind] = next;
    };
    sync('namespaces', inputs.namespaces, (n) => n.metadata.name, (k, o) => this.live.setNamespace(k, o));
    sync('nodes', inputs.nodes ?? [], (n) => n.metadata.name, (k, o) => this.live.setNode(k, o));
    sync('policies', inputs.policies, keyOf, (k, o) => this.live.setPolicy(k, o));
    sync('pods', inputs.pods, keyOf, (k, o) => this.live.setPod(k, o));
    this.live.update(this.updateOptions());
  }

  /** compilePolicy's options as LivePolicy.update takes them: node addresses default to the model's. */
  updateOptions(): LiveOptions {
    const o = this.options;
    const nodeAddresses = o.nodeAddresses ?? (o.node !== undefined ? this.live.nodeAddresses(o.node).map(formatIp) : []);
    return { nodeAddresses, podCidrs: o.podCidrs ?? [] };
  }
}
