// The plugin's view of its nftables state in the host netns: apply a script
// as one transaction, and remove every element whose attachment tag matches
// (DEL, GC, ADD undo). Listing first, then deleting exactly what is there,
// keeps DEL idempotent without `destroy element` (nft >= 1.0.8 only).
import { NFT_OUTPUT_JSON, NftContext } from '../../kernel/nftables.js';
import { parseTaggedElements, renderElementDeletes, type TaggedElement } from '../../core/masq/listing.js';
import { chainIsCurrent, type ChainSpec } from '../../core/masq/chain.js';
import { MASQ_TABLE } from '../../core/masq/render.js';
import { SPOOF_TABLE } from '../../core/masq/spoof.js';

export interface NftState {
  apply(script: string): void;
  /** Whether the chain of `spec` exists with the current rules (else they must be written). */
  chainIsCurrent(spec: ChainSpec): boolean;
  listTagged(): TaggedElement[];
  /** Removes the tagged elements for which `match(tag)` holds; returns how many. */
  removeTagged(match: (tag: string) => boolean): number;
  close(): void;
  /** Like close, on a worker thread: see NftContext.closeAsync. */
  closeAsync(): Promise<void>;
}

const TABLES = [`inet ${MASQ_TABLE}`, `bridge ${SPOOF_TABLE}`];

export function openNftState(): NftState {
  let ctx: NftContext | undefined;
  const context = (): NftContext => (ctx ??= new NftContext(NFT_OUTPUT_JSON));
  const list = (): TaggedElement[] => TABLES.flatMap((table) => {
    let out: string;
    try {
      out = context().run(`list table ${table}`);
    } catch {
      return []; // no such table: nothing of ours there
    }
    return parseTaggedElements(JSON.parse(out) as unknown);
  });
  return {
    apply(script) {
      context().run(script);
    },
    chainIsCurrent(spec) {
      try {
        return chainIsCurrent(JSON.parse(context().run(`list chain ${spec.family} ${spec.table} ${spec.chain}`)) as unknown, spec);
      } catch {
        return false; // no such table or chain yet
      }
    },
    listTagged: list,
    removeTagged(match) {
      const doomed = list().filter((e) => match(e.tag));
      if (doomed.length > 0) context().run(renderElementDeletes(doomed));
      return doomed.length;
    },
    close() {
      ctx?.close();
      ctx = undefined;
    },
    closeAsync() {
      const c = ctx;
      ctx = undefined;
      return c ? c.closeAsync() : Promise.resolve();
    },
  };
}

/**
 * One NftState kept open for a long-lived process (the CNI service): the
 * verbs' close() and closeAsync() leave it open, so neither libnftables's
 * start nor the socket release (which waits for an RCU grace period after a
 * deletion) is paid per request. dispose() releases it for good.
 */
export function sharedNftState(): NftState & { dispose(): Promise<void> } {
  const state = openNftState();
  return {
    apply: (script) => state.apply(script),
    chainIsCurrent: (spec) => state.chainIsCurrent(spec),
    listTagged: () => state.listTagged(),
    removeTagged: (match) => state.removeTagged(match),
    close() {
      // kept for the next request
    },
    closeAsync: () => Promise.resolve(),
    dispose: () => state.closeAsync(),
  };
}
