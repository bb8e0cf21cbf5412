// `podwirectl lab` usage text: one place, so --help and usage errors agree.
import { DEFAULT_LAB_DIR, DEFAULT_PREFIX, FABRIC_ADDRESS } from '../../lab/layout.js';

export const LAB_USAGE = `Usage:
  podwirectl lab up [--nodes N] [--backend vxlan|routed] [-f FILE]... [--json]
  podwirectl lab apply -f FILE... [--json]
  podwirectl lab delete -f FILE... [--json]
  podwirectl lab status [--json]
  podwirectl lab probe [--port P] [--protocol TCP|UDP] [--timeout MS] [--no-nodes]
                       [--from NS/POD]... [--duration MS [--interval MS]] [--json [--detail]]
  podwirectl lab exec POD -- CMD [ARGS...]
  podwirectl lab node add|remove NAME
  podwirectl lab agent stop|start|restart NODE [--signal SIG]
  podwirectl lab down [--prefix P]

A local multi-node cluster in network namespaces: a fabric (a bridge in its
own netns, gateway ${FABRIC_ADDRESS}), nodes plugged into it with their
podwire-agent, a file-backed cluster store, and pods (a netns each, wired by
the real CNI chain, with an echo server on every declared port). Nothing is
created in, or sent from, the root network namespace.

Common options:
  --lab-dir DIR    where the lab keeps its state, store and logs
                   (default: $PODWIRE_LAB_DIR or ${DEFAULT_LAB_DIR})
  -h, --help

up:      --nodes N (default 3), --backend vxlan|routed (default vxlan),
         --prefix P: network namespace prefix (default ${DEFAULT_PREFIX}),
         --timeout S: agent readiness (default 60), -f FILE: applied once ready
apply:   creates or updates Namespaces, Pods and the other kinds of the store;
         a label change on a live pod or namespace updates it in place
delete:  deletes what the files name (a namespace takes its pods along)
status:  nodes (underlay address, pod block, agent health) and pods
probe:   every pod to every pod and to each node's underlay address, in
         parallel (default port 80, TCP, timeout 1000 ms); prints a matrix,
         or {"ns/from": {"ns/to": true|false}} with --json (with --detail:
         latency, error, and the source address each target saw).
         --duration keeps one connection per pair open and probes every
         --interval (default 200 ms): any loss fails the pair
exec:    POD as NS/NAME or NAME (when unique): CMD runs in the pod's netns
node:    add plugs a new node in and waits for its agent; remove deletes its
         pods, stops its agent and unplugs it
agent:   stop (default SIGTERM; --signal SIGKILL to simulate a crash), start,
         restart (stop then start, waiting for readiness)
down:    stops every lab process, deletes every netns named PREFIX-* and the
         lab dir; works after a crash and when nothing is left

Exit status: 0 ok, 1 failed, 2 bad usage.
`;
