// The runner's view of a network configuration list, as libcni holds it:
// list-level fields parsed and validated, each plugin's object kept verbatim
// (only `type` and `capabilities` matter to the runner; the rest is the
// plugin's business and is passed through untouched).

export interface PluginConf {
  /** Position in `plugins`, for error messages (`plugins[2].type`). */
  index: number;
  type: string;
  /** Only the capabilities set to true: libcni ignores `false` entries. */
  capabilities: readonly string[];
  /** The plugin object exactly as written in the file. */
  raw: Readonly<Record<string, unknown>>;
}

export interface ConfList {
  name: string;
  /** `cniVersion` as written; undefined when absent. */
  cniVersion: string | undefined;
  /** `cniVersions` as written (spec 1.1); empty when absent. */
  cniVersions: readonly string[];
  disableCheck: boolean;
  disableGC: boolean;
  plugins: readonly PluginConf[];
  /**
   * The bytes libcni caches as `config`: the file's text for a .conflist, the
   * wrapping list (Go-marshalled) for a single-plugin .conf.
   */
  bytes: string;
}

/** One `cni.dev/valid-attachments` entry (spec 1.1, GC). */
export interface GcAttachment {
  containerID: string;
  ifname: string;
}

/** CNI_ARGS as libcni keeps them: ordered key/value pairs. */
export type CniArgPairs = ReadonlyArray<readonly [string, string]>;
