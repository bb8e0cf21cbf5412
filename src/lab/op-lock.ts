// One mutating lab command at a time per lab (apply, delete, node and agent
// operations): two applies placing pods at once would both see the same load
// and the same free names. The lock is a link lock (link-lock.ts), so a
// command killed while holding it does not block the next one. `lab down`
// does not take it: it must work whatever state the others left.
import { join } from 'node:path';
import { tryLock } from '../agent/cluster/link-lock.js';
import { procProbe } from '../agent/cluster/process-probe.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withOpLock<T>(labDir: string, timeoutMs: number, wait: (m: string) => void, fn: () => Promise<T>): Promise<T> {
  const path = join(labDir, 'operation.lock');
  const probe = procProbe();
  const deadline = Date.now() + timeoutMs;
  let lock = tryLock(path, probe);
  while (!lock) {
    if (Date.now() >= deadline) throw new Error(`another lab command is still running on ${labDir} (lock ${path})`);
    wait('waiting for another lab command to finish');
    await sleep(100);
    lock = tryLock(path, probe);
  }
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
