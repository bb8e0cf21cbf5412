// Giving back the C heap a full policy load borrowed. libnftables parses the
// whole table into its own structures before the transaction (~60 MB at
// 10,000 local pods, 4,600 rules, 56,000 elements) and frees them after;
// glibc keeps freed small chunks in its arenas, so without this the agent's
// RSS stays ~60 MB higher for good after every full load (start-up, and the
// fallback after a failed plan). malloc_trim(0) hands whole free pages back
// to the kernel (it madvises inside the arenas, not only the top). Loads are
// rare, so its few milliseconds do not matter. On a libc without it (musl)
// the call fails and nothing happens.
import { libcFunction } from './ffi.js';

export function releaseFreedCHeap(): void {
  try {
    libcFunction<(pad: number) => number>('int malloc_trim(size_t pad)')(0);
  } catch {
    // Not glibc: freed memory is whatever that allocator does with it.
  }
}
