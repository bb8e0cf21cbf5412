// Named network namespaces through iproute2 (`ip netns`), as the lab's nodes,
// fabric and pods. createNetns fails if the name is taken (a leftover of
// another lab must not be adopted silently); removeNetns treats "absent" as
// done. sysctls are written through nsenter: /proc/sys/net shows the netns of
// the writing process, so the root namespace is never touched.
import { existsSync } from 'node:fs';
import { netnsPath, ownsNetns } from './layout.js';
import { CommandError, run, runIn } from './run.js';

export async function createNetns(name: string): Promise<void> {
  if (existsSync(netnsPath(name))) throw new CommandError(`ip netns add ${name}`, `netns ${name} already exists`, null);
  await run('ip', ['netns', 'add', name]);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

export async function removeNetns(name: string): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  try {
    await run('ip', ['netns', 'delete', name]);
  } catch (err) {
    if (existsSync(netnsPath(name))) throw err;
  }
}

export async function listNetns(): Promise<string[]> {
  const out = await run('ip', ['-j', 'netns', 'list']);
  if (out.trim() === '') return [];
  return (JSON.parse(out) as Array<{ name: string }>).map((n) => n.name);
}

export async function listLabNetns(prefix: string): Promise<string[]> {
  return (await listNetns()).filter((n) => ownsNetns(prefix, n));
}

/** Pids of every process whose network namespace is `name` (`ip netns pids`). */
export async function pidsIn(name: string): Promise<number[]> {
  if (!existsSync(netnsPath(name))) return [];
  const out = await run('ip', ['netns', 'pids', name]);
  return out.split('\n').filter((l) => l.trim() !== '').map(Number).filter((n) => Number.isInteger(n) && n > 0);
}

export async function setSysctls(name: string, values: Readonly<Record<string, string>>): Promise<void> {
  await runIn(netnsPath(name), 'sysctl', ['-q', '-w', ...Object.entries(values).map(([k, v]) => `${k}=${v}`)]);
}
