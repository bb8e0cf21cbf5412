#!/usr/bin/env bash
# Brings a fresh Debian 12 machine (as root) to the point where Podwire builds,
# tests and demos. Idempotent and quick when everything is already there:
# apt runs only for missing packages, npm ci only when the lockfile changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages:
#  nftables, libnftables1      the nft CLI for tests; libnftables.so.1 used in-process by the plugins
#  iproute2, iputils-ping      tests inspect with `ip -j` and ping between namespaces
#  containernetworking-plugins the reference plugins: behaviour reference and benchmark baseline
#  iptables                    the reference bridge's ipMasq needs it (the baseline, never ours)
#  util-linux, procps          nsenter, unshare, pgrep
#  podman containerd runc conmon catatonit busybox-static
#                              real runtimes for the end-to-end tests (test/e2e, docs/e2e.md)
#  iperf3                      podwirectl bench dataplane
apt_packages=(nftables libnftables1 iproute2 iputils-ping containernetworking-plugins iptables util-linux procps
  podman containerd runc conmon catatonit busybox-static iperf3)
missing=()
for p in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: need root to install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies: reinstall only when package-lock.json changed.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.podwire-lock-hash
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "bootstrap: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

# Build the bundled executables (dist/bin), then their V8 code caches.
npm run --silent build
bash scripts/warm-cache.sh
