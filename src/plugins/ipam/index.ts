// The in-process IPAM API. The main podwire plugin calls these with its own
// CmdArgs (config.ipam holds the IPAM section) and diskIpamDeps(), instead of
// executing podwire-ipam: same files, same lock, one process less per pod.
export { ipamAdd } from './add.js';
export { ipamDel } from './del.js';
export { ipamCheck } from './check.js';
export { ipamStatus } from './status.js';
export { ipamGc } from './gc.js';
export { createIpamPlugin } from './plugin.js';
export { diskIpamDeps, DEFAULT_LOCK_TIMEOUT_MS, type IpamDeps } from './deps.js';
