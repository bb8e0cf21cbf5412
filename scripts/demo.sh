#!/usr/bin/env bash
# The main job: a real 3-node Podwire cluster on this machine, built from
# network namespaces (podwirectl lab). Each node runs podwire-agent (VXLAN
# overlay); pods in two namespaces come from Kubernetes Pod manifests and get
# their network from the podwire CNI chain, as kubelet and a runtime would do
# it. Then the connectivity matrix over TCP and UDP, a NetworkPolicy step
# (the matrix changes; policy trace says why). The root namespace is never
# touched; `podwirectl lab down` removes everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

ctl="$PWD/dist/bin/podwirectl"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# A lab left from an earlier demo (or a crashed one) is replaced.
"$ctl" lab down >/dev/null 2>&1 || true

step "podwirectl lab up --nodes 3 -f examples/lab/pods.yaml"
"$ctl" lab up --nodes 3 -f examples/lab/pods.yaml

step "podwirectl lab status"
"$ctl" lab status

step "podwirectl lab probe   (every pod to every pod and node, 80/TCP)"
"$ctl" lab probe

step "podwirectl lab probe --protocol UDP --port 81"
"$ctl" lab probe --protocol UDP --port 81

step "podwirectl lab apply -f examples/lab/policy.yaml   (x denies ingress; y may reach x/a on http)"
"$ctl" lab apply -f examples/lab/policy.yaml
sleep 1   # the agents apply a policy change within tens of milliseconds; leave them a margin

step "podwirectl lab probe   (the matrix after the policies)"
"$ctl" lab probe || true

step "podwirectl policy trace: why allowed, why denied"
"$ctl" policy trace --from y/b --to x/a --port 80
"$ctl" policy trace --from x/b --to x/a --port 80

step "podwirectl lab delete -f examples/lab/policy.yaml   (back to all-open)"
"$ctl" lab delete -f examples/lab/policy.yaml

cat <<'MSG'

The lab is still running. Go on with:
  dist/bin/podwirectl lab exec x/a -- ip -br addr              # a command inside pod x/a
  dist/bin/podwirectl lab apply -f FILE.yaml                     # add or relabel Namespaces and Pods
  dist/bin/podwirectl lab probe --json                           # the matrix for scripts
  dist/bin/podwirectl lab agent restart node1 --signal SIGKILL   # kill an agent: traffic keeps flowing
  dist/bin/podwirectl lab down                                   # remove everything
  dist/bin/podwirectl lab up --backend routed -f examples/lab/pods.yaml   # the other backend
  dist/bin/podwirectl lab apply -f examples/lab/policy.yaml         # NetworkPolicies, enforced by the agents
  dist/bin/podwirectl policy trace --from x/a --to y/b --port 80   # allow or deny, and why
MSG
