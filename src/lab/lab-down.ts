// `lab down`: removes everything a lab made, from its record and by sweeping,
// so it works after a crash of any lab process and is safe to repeat:
// 1. recorded processes are stopped (agents get SIGTERM and a grace period);
// 2. every netns recorded or named `<prefix>-*` is emptied: any process still
//    inside (an unrecorded server, a stray nsenter) is SIGKILLed;
// 3. those namespaces are deleted (their veths go with them, so no CNI DEL
//    is needed: the IPAM leases and caches live in the lab dir);
// 4. the lab dir is removed, if it is one (it holds state.json, lab.lock or
//    store/); any other non-empty directory is left alone and reported.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import type { LabState } from './lab-state.js';
import { stateFile } from './lab-state.js';
import { labPaths, ownsNetns } from './layout.js';
import { listLabNetns, pidsIn, removeNetns } from './netns.js';
import { killPids, stopProcess } from './processes.js';

export interface DownReport {
  prefixes: string[];
  processesStopped: number;
  netnsRemoved: string[];
  labDirRemoved: boolean;
  warnings: string[];
}

function readStateQuietly(labDir: string, warnings: string[]): LabState | undefined {
  try {
    return stateFile(labDir).read();
  } catch (err) {
    warnings.push(`state file unreadable, sweeping by prefix only: ${(err as Error).message}`);
    return undefined;
  }
}

function looksLikeLabDir(dir: string): boolean {
  const p = labPaths(dir);
  return [p.state, p.lock, p.store].some((f) => existsSync(f));
}

/**
 * `defaultPrefix` is swept when neither `prefix` nor a state file names one;
 * the caller passes it only for the default lab dir, so a test's lab dir
 * without a state file never sweeps the user's lab.
 */
export async function labDown(labDir: string, prefix: string | undefined, defaultPrefix: string | undefined, progress: (m: string) => void): Promise<DownReport> {
  const warnings: string[] = [];
  const state = readStateQuietly(labDir, warnings);
  const chosen = prefix ?? state?.prefix ?? defaultPrefix;
  if (chosen === undefined) warnings.push(`no state file in ${labDir}: pass --prefix to sweep namespaces by prefix`);
  const prefixes = [...new Set([...(chosen !== undefined ? [chosen] : []), ...(state ? [state.prefix] : [])])];

  let stopped = 0;
  if (state) {
    progress('stopping agents and servers');
    const recs = [
      ...Object.values(state.nodes).flatMap((n) => [n.agent, n.server]),
      ...Object.values(state.pods).map((p) => p.server),
    ].filter((r) => r !== undefined);
    await Promise.all(recs.map((r) => stopProcess(r, { graceMs: 2000 })));
    stopped += recs.length;
  }

  const recorded = (state?.netns ?? []).filter((n) => prefixes.some((p) => ownsNetns(p, n)));
  const swept = (await Promise.all(prefixes.map(listLabNetns))).flat();
  const all = [...new Set([...recorded, ...swept])];
  progress(`removing ${all.length} network namespaces`);
  const strays = (await Promise.all(all.map(pidsIn))).flat();
  if (strays.length > 0) {
    await killPids(strays);
    stopped += strays.length;
  }
  // Pods first, the fabric last: purely cosmetic (each deletion stands alone).
  const order = (n: string) => (n.includes('-pod-') ? 0 : n.endsWith('-fabric') ? 2 : 1);
  const removed: string[] = [];
  for (const group of [0, 1, 2]) {
    await Promise.all(all.filter((n) => order(n) === group).map(async (n) => {
      await removeNetns(n);
      removed.push(n);
    }));
  }

  let labDirRemoved = false;
  if (existsSync(labDir)) {
    if (looksLikeLabDir(labDir) || readdirSync(labDir).length === 0) {
      rmSync(labDir, { recursive: true, force: true });
      labDirRemoved = true;
    } else {
      warnings.push(`${labDir} does not look like a lab directory: left in place`);
    }
  }
  return { prefixes, processesStopped: stopped, netnsRemoved: removed, labDirRemoved, warnings };
}
