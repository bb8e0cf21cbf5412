// The policy controller's kernel side: one libnftables context in the
// agent's own netns (the agent is started inside the node netns, so no setns
// is involved), one script per call, one transaction per script.
import { NftContext } from '../../kernel/nftables.js';
import { releaseFreedCHeap } from '../../kernel/c-heap.js';
import type { PolicyDataplane } from './policy-controller.js';

export class NftPolicyDataplane implements PolicyDataplane {
  private readonly ctx = new NftContext();

  run(script: string): string {
    return this.ctx.run(script);
  }

  release(): void {
    releaseFreedCHeap();
  }

  close(): void {
    this.ctx.close();
  }
}
