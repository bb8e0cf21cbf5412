// The runner with its real dependencies: plugins as processes, libcni's
// cache on disk, the spec versions src/cni speaks. What `podwirectl cni`
// and the lab use; tests of the runner's logic can build a CniRunner with
// fakes instead.
import { compareVersions, SUPPORTED_VERSIONS } from '../../cni/version.js';
import { ProcessPluginExecutor } from './plugin-executor.js';
import { DiskResultCache } from './result-cache.js';
import { CniRunner, type RunnerDeps } from './runner.js';

export interface RunnerOptions {
  /** Plugin directories in lookup order; also CNI_PATH. */
  binDirs: readonly string[];
  /** libcni's cache dir (results/ goes below it). */
  cacheDir: string;
  /** Per plugin invocation; default 60 s. */
  timeoutMs?: number | undefined;
  /** PATH for plugins; default a standard system PATH. */
  path?: string | undefined;
  onPluginStderr?: RunnerDeps['onPluginStderr'];
  /**
   * Run every plugin inside this netns (e.g. /run/netns/node1) instead of the
   * caller's: the reference bridge's host side is the plugin's own netns.
   */
  hostNetns?: string | undefined;
}

export const DEFAULT_PLUGIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function createCniRunner(opts: RunnerOptions): CniRunner {
  return new CniRunner({
    executor: new ProcessPluginExecutor(opts.hostNetns),
    cache: new DiskResultCache(opts.cacheDir),
    versions: { supported: SUPPORTED_VERSIONS, compare: compareVersions },
    binDirs: opts.binDirs,
    path: opts.path ?? DEFAULT_PLUGIN_PATH,
    timeoutMs: opts.timeoutMs ?? 60_000,
    onPluginStderr: opts.onPluginStderr,
  });
}
