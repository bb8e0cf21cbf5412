// STATUS (CNI 1.1): ready when IPAM can hand out an address now; a bridge
// name held by a device that is not a bridge would make every ADD fail, so
// it is reported too (code 50, naming the reason).
import { CniError, ErrorCode } from '../../cni/errors.js';
import type { CmdArgs } from '../../cni/skel.js';
import { parsePodwireConf } from './config.js';
import type { PodwireDeps } from './deps.js';

export async function status(cmd: CmdArgs, deps: PodwireDeps): Promise<void> {
  const conf = parsePodwireConf(cmd.config);
  const host = deps.openNetlink();
  try {
    const link = host.findLink(conf.bridge);
    if (link && link.kind !== 'bridge') {
      throw new CniError(ErrorCode.PluginNotAvailable, `bridge: "${conf.bridge}" exists and is not a bridge (kind ${link.kind ?? 'device'})`);
    }
  } finally {
    host.close();
  }
  if (conf.ipamType) await deps.ipam(conf.ipamType).status(cmd);
}
