#!/usr/bin/env bash
# Makes the V8 code caches of the plugin executables (dist/bin/*.bundle.cache,
# see scripts/loader.cjs) by running every verb of every plugin once for real,
# in throwaway namespaces, with PODWIRE_CODE_CACHE=write: each run stores what
# it compiled on top of the previous run's cache. Needs root (namespaces);
# without it, or on any failure, the plugins simply run without a cache.
set -uo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "warm-cache: not root, plugins will run without a code cache" >&2; exit 0; }

tag="pwwarm$$"
host="${tag}-host"; pod="${tag}-pod"
data=$(mktemp -d "/tmp/${tag}-XXXX")
svc=""
cleanup() {
  [ -n "$svc" ] && kill "$svc" 2>/dev/null && wait "$svc" 2>/dev/null
  ip netns delete "$pod" 2>/dev/null; ip netns delete "$host" 2>/dev/null; rm -rf "$data"
}
trap cleanup EXIT
ip netns add "$host" && ip netns add "$pod" || exit 0

bin="$PWD/dist/bin"
conf() {
  local version=$1 extra=${2:-}
  printf '{"cniVersion":"%s","name":"pwwarm","type":"podwire","bridge":"pwwarm0","isGateway":true,"isDefaultGateway":true,"ipMasq":true,"macspoofchk":true,"hairpinMode":true,"ipam":{"type":"podwire-ipam","dataDir":"%s","ranges":[[{"subnet":"10.254.254.0/24"}],[{"subnet":"fd00:fe::/64"}]],"routes":[{"dst":"0.0.0.0/0"}]}%s}' "$version" "$data" "$extra"
}
call() { # plugin command config
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PODWIRE_CODE_CACHE=write CNI_COMMAND="$2" CNI_CONTAINERID=warm CNI_NETNS="/run/netns/$pod" \
    CNI_IFNAME=eth0 CNI_PATH="$bin" nsenter --net="/run/netns/$host" "$bin/$1" <<<"$3"
}
for plugin in podwire podwire-ipam podwire-loopback; do
  c=$(conf 1.1.0 | sed "s/\"type\":\"podwire\"/\"type\":\"$plugin\"/")
  call "$plugin" VERSION "$c" >/dev/null
  result=$(call "$plugin" ADD "$c") || { echo "warm-cache: $plugin ADD failed: $result" >&2; continue; }
  call "$plugin" CHECK "$(conf 1.1.0 ",\"prevResult\":$result" | sed "s/\"type\":\"podwire\"/\"type\":\"$plugin\"/")" >/dev/null
  call "$plugin" STATUS "$c" >/dev/null
  call "$plugin" GC "$(conf 1.1.0 ',"cni.dev/valid-attachments":[{"containerID":"warm","ifname":"eth0"}]' | sed "s/\"type\":\"podwire\"/\"type\":\"$plugin\"/")" >/dev/null
  call "$plugin" DEL "$c" >/dev/null
  # An older version exercises the result converters too.
  call "$plugin" ADD "$(conf 0.4.0 | sed "s/\"type\":\"podwire\"/\"type\":\"$plugin\"/")" >/dev/null
  call "$plugin" DEL "$(conf 0.4.0 | sed "s/\"type\":\"podwire\"/\"type\":\"$plugin\"/")" >/dev/null
done
# The executable's other path: forwarding to the CNI service (docs/cni-service.md).
nsenter --net="/run/netns/$host" "$bin/podwire-agent" serve-cni --socket "$data/cni.sock" 2>/dev/null &
svc=$!
for _ in $(seq 100); do [ -S "$data/cni.sock" ] && break; sleep 0.05; done
c=$(conf 1.1.0 ",\"serviceSocket\":\"$data/cni.sock\"")
call podwire ADD "$c" >/dev/null && call podwire DEL "$c" >/dev/null

ls dist/bin/*.bundle.cache >/dev/null 2>&1 && echo "warm-cache: code caches written" >&2
exit 0
