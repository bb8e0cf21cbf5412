// Real container runtimes driven against a conflist of ours, for e2e tests:
// podman 4 with its CNI backend, and containerd's `ctr run --cni`.
//
// Design note (see docs/e2e.md and shared/RUNTIMES.md):
// - Network: every runtime process runs inside a throwaway "host" netns made
//   by createNetns('pwe'), entered with `nsenter --net` (never `ip netns exec`:
//   it remounts /sys and runc then finds no cgroup mount). Bridges, veths,
//   iptables/nft rules and ip_forward all land in that namespace.
// - Files: each harness owns one temp dir (`pwe-podman-*`, `pwe-ctr-*`) holding
//   the conflist dir, plugin bin dir, IPAM dataDir, image store and runtime
//   state. Podman is pointed at it with CONTAINERS_CONF/CONTAINERS_STORAGE_CONF;
//   `ctr` has no flags for CNI dirs, so it runs in `unshare -m` with ours
//   bind-mounted over /etc/cni/net.d, /opt/cni/bin and /var/lib/cni.
// - What is still shared with the root: podman's libcni cache
//   (/var/lib/cni/results, not configurable in podman 4.3) and its container
//   netns files (/run/netns/netns-*). Both are removed by `podman rm`;
//   close() removes what a failed test left for our containers only.
// - cgroups: each harness uses its own parent cgroup and removes it on close().
// - Every command has a timeout; close() is idempotent, keeps going past
//   failures and throws them together at the end.
//
// The harness lives in runtimes/ (process, image, shared, podman, ctr);
// this module is its public face.
export * from './runtimes/process.js';
export * from './runtimes/image.js';
export * from './runtimes/shared.js';
export * from './runtimes/podman.js';
export * from './runtimes/ctr.js';
