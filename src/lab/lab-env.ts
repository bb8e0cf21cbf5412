// What every lab operation works with: where the lab lives, where the
// executables are, its state file, the cluster store (opened on first use,
// closed by close()), and where progress and log lines go. Built once per
// command by src/cli/lab; operations receive it instead of reaching for
// globals.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileClusterSource, fileSourceOptions } from '../agent/cluster/file-source.js';
import type { ClusterSource } from '../agent/cluster/cluster-source.js';
import { labPaths } from './layout.js';
import { stateFile, type StateFile } from './lab-state.js';

export interface LabEnv {
  readonly labDir: string;
  /** Directory of the built executables (podwirectl, podwire-agent, plugins). */
  readonly binDir: string;
  readonly state: StateFile;
  store(): ClusterSource;
  /** Transient status for long operations (stderr). */
  progress(message: string): void;
  /** Lines worth keeping (warnings during teardown). */
  log(line: string): void;
  close(): void;
}

/** Plugin lookup for pods: ours, then the reference plugins if the chain names any. */
export function cniBinDirs(env: LabEnv): string[] {
  return [env.binDir, ...(existsSync('/usr/lib/cni') ? ['/usr/lib/cni'] : [])];
}

export function executable(env: LabEnv, name: 'podwirectl' | 'podwire-agent'): string {
  return join(env.binDir, name);
}

export function createLabEnv(opts: { labDir: string; binDir: string; progress(message: string): void; log(line: string): void }): LabEnv {
  let source: FileClusterSource | undefined;
  return {
    labDir: opts.labDir,
    binDir: opts.binDir,
    state: stateFile(opts.labDir),
    store() {
      source ??= new FileClusterSource(fileSourceOptions(labPaths(opts.labDir).store, { log: opts.log }));
      return source;
    },
    progress: opts.progress,
    log: opts.log,
    close() {
      source?.close();
    },
  };
}
