// The chains of the live table and what changed since the kernel last took
// them. Unchanged chains are the same objects (a class chain is rebuilt only
// when its policies or its pods' named ports change), so the delta compares
// identities first and renders rules only for chains that were rebuilt.
import { orderChains, renderRule, type NftChain } from './ruleset.js';

export interface ChainDelta {
  readonly added: readonly NftChain[];
  readonly replaced: readonly NftChain[];
  readonly removed: readonly string[];
  /** A chain kept its name but not its declaration (hook, comment): only a full load can say that. */
  readonly redeclared: boolean;
}

const rulesText = (c: NftChain): string => c.rules.map(renderRule).join('\n');

export class LiveChains {
  private readonly current = new Map<string, NftChain>();
  private committed = new Map<string, NftChain>();

  set(chain: NftChain): void {
    this.current.set(chain.name, chain);
  }

  get(name: string): NftChain | undefined {
    return this.current.get(name);
  }

  remove(name: string): void {
    this.current.delete(name);
  }

  values(): IterableIterator<NftChain> {
    return this.current.values();
  }

  delta(): ChainDelta {
    const added: NftChain[] = [];
    const replaced: NftChain[] = [];
    let redeclared = false;
    for (const [name, c] of this.current) {
      const old = this.committed.get(name);
      if (!old) added.push(c);
      else if (old === c) continue;
      else if (old.base !== c.base || old.comment !== c.comment) redeclared = true;
      else if (rulesText(old) !== rulesText(c)) replaced.push(c);
    }
    const removed = orderChains([...this.committed.values()].filter((c) => !this.current.has(c.name))).map((c) => c.name);
    return { added: orderChains(added), replaced: orderChains(replaced), removed, redeclared };
  }

  commit(): void {
    this.committed = new Map(this.current);
  }
}
