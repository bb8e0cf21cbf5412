// STATUS: loopback depends on nothing outside the pod netns, so it is always
// ready to serve ADD.
import type { CmdArgs } from '../../cni/skel.js';

export async function status(_cmd: CmdArgs): Promise<void> {}
