// CNI_ARGS: "K1=V1;K2=V2". Like libcni's LoadArgs, a key the plugin does not
// know is an error unless IgnoreUnknown is set (containerd, podman and
// kubelet always set it). Keys are case-sensitive, values may contain '='.
import { CniError, ErrorCode, envError } from './errors.js';

export const K8S_ARGS = ['K8S_POD_NAMESPACE', 'K8S_POD_NAME', 'K8S_POD_INFRA_CONTAINER_ID', 'K8S_POD_UID'] as const;

export function parseCniArgs(raw: string, known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (raw.trim() === '') return out;
  const pairs: Array<[string, string]> = [];
  for (const item of raw.split(';')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw envError('CNI_ARGS', `"${item}" is not KEY=VALUE`);
    pairs.push([item.slice(0, eq), item.slice(eq + 1)]);
  }
  const ignore = pairs.find(([k]) => k === 'IgnoreUnknown');
  const ignoreUnknown = ignore !== undefined && /^(1|true)$/i.test(ignore[1]);
  for (const [key, value] of pairs) {
    if (key === 'IgnoreUnknown') continue;
    if (!known.includes(key)) {
      if (ignoreUnknown) continue;
      throw new CniError(ErrorCode.InvalidEnvironment, `CNI_ARGS: unknown key "${key}"`, 'set IgnoreUnknown=1 to ignore keys this plugin does not use');
    }
    out.set(key, value);
  }
  return out;
}
