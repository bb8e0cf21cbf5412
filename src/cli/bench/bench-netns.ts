// Throwaway network namespaces for benchmarks. The benchmark harness (not a
// plugin) may use iproute2; every name carries the run's prefix and
// removeAll() runs from a finally block and from signal handlers.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export class BenchNetns {
  private readonly created: string[] = [];

  constructor(readonly prefix: string) {}

  create(suffix: string): string {
    const name = `${this.prefix}-${suffix}`;
    execFileSync('ip', ['netns', 'add', name]);
    this.created.push(name);
    return `/run/netns/${name}`;
  }

  removeAll(): void {
    for (const name of this.created.splice(0)) {
      if (existsSync(`/run/netns/${name}`)) {
        try {
          execFileSync('ip', ['netns', 'delete', name]);
        } catch {
          // keep removing the others
        }
      }
    }
  }
}
