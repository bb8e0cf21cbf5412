// podwire-ipam: entry point only. koffi (for flock) loads only when a verb
// takes the lease lock, so VERSION stays cheap.
import { diskIpamDeps } from '../plugins/ipam/deps.js';
import { createIpamPlugin } from '../plugins/ipam/plugin.js';
import { runPluginMain } from './lib/run-plugin.js';

runPluginMain('podwire-ipam', createIpamPlugin(diskIpamDeps()));
