#!/usr/bin/env bash
# A single-host demonstration of the plugins alone (npm run demo:cni).
# A throwaway "host" namespace and two "pod" namespaces; `podwirectl cni`
# runs a conflist (podwire + podwire-ipam, then podwire-loopback) exactly as
# a runtime would; the pods ping each other and the gateway; then everything
# is deleted: veths, leases, nft elements. Nothing touches the root namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

tag="pwdemo$$"
work=$(mktemp -d "/tmp/${tag}-XXXX")
host="${tag}-host"
pods=("${tag}-a" "${tag}-b")
cleanup() {
  for ns in "${pods[@]}" "$host"; do ip netns delete "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

mkdir -p "$work/net.d" "$work/cache" "$work/leases"
cat > "$work/net.d/10-demo.conflist" <<JSON
{
  "cniVersion": "1.1.0",
  "name": "demo",
  "plugins": [
    { "type": "podwire", "bridge": "pwdemo0", "isGateway": true, "ipMasq": true, "mtu": 1450,
      "ipam": { "type": "podwire-ipam", "dataDir": "$work/leases",
                "ranges": [[{ "subnet": "10.88.7.0/24" }], [{ "subnet": "fd88:7::/64" }]],
                "routes": [{ "dst": "0.0.0.0/0" }, { "dst": "::/0" }] } },
    { "type": "podwire-loopback" }
  ]
}
JSON

step "namespaces: host $host, pods ${pods[*]}"
for ns in "$host" "${pods[@]}"; do ip netns add "$ns"; done

pwctl() { nsenter --net="/run/netns/$host" dist/bin/podwirectl cni "$@" --conf-dir "$work/net.d" --bin-dir "$PWD/dist/bin:/usr/lib/cni" --cache-dir "$work/cache"; }

for ns in "${pods[@]}"; do
  step "podwirectl cni add demo $ns"
  pwctl add demo "$ns" --container-id "$ns" --args "IgnoreUnknown=1;K8S_POD_NAMESPACE=demo;K8S_POD_NAME=$ns"
  echo
done

ip_of() { nsenter --net="/run/netns/$1" ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1; }
a_ip=$(ip_of "${pods[0]}"); b_ip=$(ip_of "${pods[1]}")
step "leases on disk (host-local format)"
ls -1 "$work/leases/demo"
step "${pods[0]} ($a_ip) → ${pods[1]} ($b_ip), → gateway 10.88.7.1, and over IPv6"
nsenter --net="/run/netns/${pods[0]}" ping -c 2 -W 1 "$b_ip"
nsenter --net="/run/netns/${pods[0]}" ping -c 1 -W 1 10.88.7.1
b_ip6=$(nsenter --net="/run/netns/${pods[1]}" ip -6 -o addr show dev eth0 scope global | awk '{print $4}' | cut -d/ -f1)
nsenter --net="/run/netns/${pods[0]}" ping -c 1 -W 1 "$b_ip6"

step "the host side: bridge ports and the masquerade table (one constant chain, pods are set elements)"
nsenter --net="/run/netns/$host" ip -br link show master pwdemo0
nsenter --net="/run/netns/$host" nft list table inet podwire

step "podwirectl cni check / status"
for ns in "${pods[@]}"; do pwctl check demo "$ns" --container-id "$ns"; done
pwctl status demo

for ns in "${pods[@]}"; do
  step "podwirectl cni del demo $ns"
  pwctl del demo "$ns" --container-id "$ns"
done
step "left behind: $(find "$work/leases/demo" -name '10.*' -o -name 'fd88*' | wc -l) leases, $(nsenter --net="/run/netns/$host" ip -o link show master pwdemo0 | wc -l) bridge ports, $(nsenter --net="/run/netns/$host" nft -j list set inet podwire masq-src4 | grep -o '"comment"' | wc -l) masquerade elements"
echo "Done. Compare with the reference plugins: dist/bin/podwirectl bench cni"
echo "The multi-node demo: npm run demo"
