// A watch stream a test drives by hand: push events (or an error, or the
// end) and the consumer's `for await` receives them in order. Stands in for
// ClusterSource.watch() in controller unit tests.
import type { WatchEvent } from '../../src/agent/cluster/cluster-source.js';
import type { ClusterObject } from '../../src/agent/cluster/types.js';

export type ScriptedItem<T extends ClusterObject> = WatchEvent<T> | Error | 'end';

export class ScriptedWatch<T extends ClusterObject> implements AsyncIterable<WatchEvent<T>> {
  private readonly queue: Array<ScriptedItem<T>> = [];
  private wake: (() => void) | undefined;

  push(item: ScriptedItem<T>): void {
    this.queue.push(item);
    this.wake?.();
  }

  stop(): void {
    this.push('end');
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    for (;;) {
      const item = this.queue.shift();
      if (item === undefined) {
        await new Promise<void>((r) => (this.wake = r));
        continue;
      }
      if (item === 'end') return;
      if (item instanceof Error) throw item;
      yield item;
    }
  }
}
