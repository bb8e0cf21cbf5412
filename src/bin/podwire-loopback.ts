// podwire-loopback: entry point only. koffi loads only when a verb opens
// netlink, so VERSION stays cheap.
import { openNetlink } from '../kernel/netlink/index.js';
import { loopbackPlugin } from '../plugins/loopback/plugin.js';
import { runPluginMain } from './lib/run-plugin.js';

runPluginMain('podwire-loopback', loopbackPlugin({ openNetlink: (netns) => openNetlink(netns) }));
