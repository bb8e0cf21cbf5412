// podwire-agent's composition root: parses the config, builds the real
// dependencies (rtnetlink and sysctl in the agent's own netns, the cluster
// source, the backend), and runs the node's lifecycle:
//   sockets up (healthz answers, readyz says why not yet)
//   → node setup (node-setup.ts) → peers: first full reconcile
//   → NetworkPolicy: br_netfilter sysctls in this netns, first table applied
//     (policy/policy-controller.ts), so no pod starts before it is enforced
//   → CNI plugins present → conflist written → ready.
// SIGTERM/SIGINT stop the controllers and remove only the API socket: the
// datapath, the conflist and the pods' leases stay, so running pods keep
// working and a restarted agent converges without touching them.
// The agent only ever acts on the network namespace it was started in.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { formatCidr } from '../core/ip/cidr.js';
import { openNetlink, type NetlinkHandle } from '../kernel/netlink/index.js';
import { ensureSysctl, readSysctl } from '../kernel/sysctl.js';
import { closeApiSocket, listenApiSocket } from './api-socket.js';
import type { OverlayBackend } from './backends/overlay-backend.js';
import { RoutedBackend } from './backends/routed-backend.js';
import { VxlanBackend } from './backends/vxlan-backend.js';
import { ensureConflist, missingPlugins, renderConflist } from './cni-config.js';
import { startCniServiceThread, type CniServiceThread } from './cni-service-thread.js';
import type { ClusterSource } from './cluster/cluster-source.js';
import { FileClusterSource, fileSourceOptions } from './cluster/file-source.js';
import type { Node, Stored } from './cluster/types.js';
import { AGENT_USAGE, AgentConfigError, parseAgentArgs, parseAgentConfig, type AgentConfig, type SourceConfig } from './config.js';
import { createEventBus } from './events.js';
import { closeServer, createAgentHandler, isReady, listenTcp, SOCKET_ENDPOINTS, TCP_ENDPOINTS, type Readiness } from './http.js';
import { createLog, type AgentLog } from './log.js';
import { AgentMetrics } from './metrics.js';
import { NodeController } from './node-controller.js';
import { announceDatapath, ipv4Block, publishNode, setupNode, type NodeSetupDeps, type NodeState } from './node-setup.js';
import { BACKEND_ANNOTATION } from './peers.js';
import { UNDERLAY_IP_ANNOTATION } from './cluster/claim-node-block.js';
import { ensureBridgeNetfilter } from './policy/bridge-netfilter.js';
import { NftPolicyDataplane } from './policy/nft-dataplane.js';
import { PolicyController } from './policy/policy-controller.js';

export interface AgentIo {
  stderr(text: string): void;
  readFile(path: string): string;
  /** Aborted when the process is asked to stop (SIGTERM/SIGINT). */
  stopSignal: AbortSignal;
  /**
   * The agent's entry script, which serves CNI when started as a worker
   * thread (cni-service-thread.ts). Without it the agent runs no CNI service
   * and the conflist names none: plugins run their verbs themselves.
   */
  cniServiceEntry?: string;
}

type OwnedSource = ClusterSource & { close(): void };

/** The seam for other sources: a Kubernetes API source is one more case here. */
function openSource(config: SourceConfig, log: AgentLog): OwnedSource {
  switch (config.type) {
    case 'file':
      return new FileClusterSource(fileSourceOptions(config.dir, { log: (line) => log('info', line) }));
  }
}

function makeBackend(config: AgentConfig, kernel: NetlinkHandle): OverlayBackend {
  return config.backend === 'vxlan' ? new VxlanBackend(kernel, config.vni) : new RoutedBackend(kernel);
}

function loadConfig(argv: readonly string[], io: AgentIo): AgentConfig | number {
  try {
    const args = parseAgentArgs(argv);
    if (args === 'help') {
      io.stderr(AGENT_USAGE);
      return 0;
    }
    let file: unknown;
    if (args.configPath !== undefined) {
      let text: string;
      try {
        text = io.readFile(args.configPath);
      } catch (err) {
        throw new AgentConfigError('--config', `cannot read ${args.configPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      try {
        file = JSON.parse(text);
      } catch (err) {
        throw new AgentConfigError('--config', `${args.configPath} is not JSON: ${(err as Error).message}`);
      }
    }
    return parseAgentConfig(file, args);
  } catch (err) {
    if (!(err instanceof AgentConfigError)) throw err;
    io.stderr(`podwire-agent: ${err.message}\n`);
    return 2;
  }
}

/** Cluster changes arriving within this window are applied in one nft transaction. */
const POLICY_DEBOUNCE_MS = 25;

function sysctlExists(key: string): boolean {
  try {
    readSysctl(key);
    return true;
  } catch {
    return false;
  }
}

function isAbort(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'AbortError';
}

export async function runAgent(argv: readonly string[], io: AgentIo): Promise<number> {
  const loaded = loadConfig(argv, io);
  if (typeof loaded === 'number') return loaded;
  const config = loaded;
  const log = createLog(config.nodeName, io.stderr);
  const startedAt = new Date().toISOString();
  const signal = io.stopSignal;
  const sleep = (ms: number): Promise<void> => sleepFor(ms, undefined, { signal });

  const kernel = openNetlink();
  const source = openSource(config.source, log);
  const events = createEventBus();
  const metrics = new AgentMetrics(events, {
    podsLocal: async () => (await source.list('Pod', { fieldSelector: `spec.nodeName=${config.nodeName}` })).items.length,
  });
  const backend = makeBackend(config, kernel);
  const readiness: Readiness = { datapath: false, conflist: false, peersReconciled: false, policySynced: false };
  let node: NodeState | undefined;
  let conflistPath: string | undefined;
  let controller: NodeController | undefined;
  let policy: PolicyController | undefined;
  let policyDataplane: NftPolicyDataplane | undefined;
  let cniService: CniServiceThread | undefined;

  const currentReadiness = (): Readiness => ({ ...readiness, peersReconciled: controller?.synced ?? false, policySynced: policy?.synced ?? false });
  const status = () => {
    const c = controller?.status();
    const r = currentReadiness();
    return {
      node: config.nodeName,
      backend: config.backend,
      podCIDRs: node?.podCIDRs ?? [],
      underlayInterface: node?.underlay.name ?? null,
      underlayIP: node?.underlay.ip ?? null,
      vtepMAC: node?.datapath.vtepMAC ?? null,
      mtu: node?.datapath.mtu ?? null,
      ready: isReady(r),
      readiness: r,
      peers: (c?.peers ?? []).map((p) => ({ node: p.name, podCIDR: p.podCIDR, ...(p.podCIDRv6 ? { podCIDRv6: p.podCIDRv6 } : {}), underlayIP: p.underlayIP, vtepMAC: p.vtepMAC ?? null, ...(p.error ? { error: p.error } : {}) })),
      skipped: c?.skipped ?? [],
      nodesKnown: c?.nodesKnown ?? 0,
      conflist: conflistPath ?? null,
      reconciles: metrics.reconcileSummary(),
      policy: policy?.status() ?? null,
      cniService: cniService ? { socket: cniService.socketPath, ...cniService.stats() } : null,
      startedAt,
    };
  };
  const deps = { readiness: currentReadiness, metrics: () => metrics.render(), status };

  let tcp: Server | undefined;
  let api: Server | undefined;
  let code = 0;
  try {
    api = await listenApiSocket(config.apiSocket, createAgentHandler(deps, SOCKET_ENDPOINTS));
    tcp = await listenTcp(config.listen, createAgentHandler(deps, TCP_ENDPOINTS));
    // The plugin forwards verbs here once the conflist names this socket; until then, and whenever it
    // cannot connect, it runs them itself on the same on-disk and kernel state.
    if (io.cniServiceEntry !== undefined) {
      cniService = await startCniServiceThread({ entry: io.cniServiceEntry, socketPath: config.cniSocket, nodeName: config.nodeName, log });
    }
    log('info', 'serving', { apiSocket: config.apiSocket, cniSocket: cniService?.socketPath ?? 'none', listen: `${config.listen.host}:${config.listen.port}` });

    const setupDeps: NodeSetupDeps = { config, kernel, source, backend, ensureSysctl, log, sleep, now: () => new Date() };
    node = await setupNode(setupDeps);
    readiness.datapath = true;

    const self = selfWatcher(setupDeps, () => node, log);
    controller = new NodeController({
      source, backend, events, log,
      ctx: { self: config.nodeName, backend: config.backend, pool: config.pool, poolV6: config.poolV6, localPodCIDR: node.podCIDR, localPodCIDRv6: node.podCIDRv6 },
      resyncMs: config.resyncSeconds * 1000,
      now: () => performance.now(),
      onSelf: self,
    });
    controller.start();
    const aborted = new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    aborted.catch(() => undefined);
    await Promise.race([controller.started, aborted]);

    // NetworkPolicy: the first table is in the kernel before the conflist lets pods start.
    const bridge = ensureBridgeNetfilter({ exists: sysctlExists, ensure: ensureSysctl });
    log(bridge.sameNodeEnforced ? 'info' : 'warn', 'bridge netfilter', { sameNodeEnforced: bridge.sameNodeEnforced, note: bridge.note });
    policyDataplane = new NftPolicyDataplane();
    policy = new PolicyController({
      source, dataplane: policyDataplane, events, log, bridge,
      node: config.nodeName,
      podCidrs: node.podCIDRs,
      localAddresses: () => kernel.listAddresses().filter((a) => a.scope === 0).map((a) => a.address),
      debounceMs: POLICY_DEBOUNCE_MS,
      now: () => performance.now(),
      wallClock: () => new Date(),
    });
    policy.start();
    await Promise.race([policy.started, aborted]);

    for (let logged = false; ; logged = true) {
      const missing = missingPlugins(config.cniBinDir);
      if (missing.length === 0) break;
      if (!logged) log('warn', 'waiting for CNI plugins before writing the conflist', { cniBinDir: config.cniBinDir, missing: missing.join(',') });
      await sleep(1000);
    }
    const outcome = ensureConflist(config.cniConfDir, renderConflist({
      mtu: node.datapath.mtu,
      podCIDRs: node.podCIDRs,
      clusterCIDRs: [formatCidr(config.pool.cidr), ...(config.poolV6 ? [formatCidr(config.poolV6.cidr)] : [])],
      stateDir: config.stateDir,
      ...(cniService ? { serviceSocket: cniService.socketPath } : {}),
    }));
    conflistPath = outcome.path;
    readiness.conflist = true;
    log('info', outcome.written ? 'wrote conflist' : 'conflist up to date', { path: outcome.path, ...(outcome.removed.length ? { removed: outcome.removed.join(',') } : {}) });
    log('info', 'ready');
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } catch (err) {
    if (!isAbort(err) && !signal.aborted) {
      log('error', 'agent failed', { error: err });
      code = 1;
    }
  }
  log('info', 'shutting down; the datapath and conflist stay in place');
  await controller?.stop();
  await policy?.stop();
  policyDataplane?.close();
  if (tcp) await closeServer(tcp);
  if (api) await closeApiSocket(api, config.apiSocket);
  await cniService?.close();
  metrics.close();
  source.close();
  kernel.close();
  return code;
}

/**
 * Our own Node, as the controller sees it: deleted → say so (the datapath
 * stays; pods keep working); back without what we published → publish again.
 */
function selfWatcher(deps: NodeSetupDeps, state: () => NodeState | undefined, log: AgentLog): (n: Stored<Node> | undefined) => void {
  let busy = false;
  let wasMissing = false;
  return (n) => {
    if (!n) {
      if (!wasMissing) log('warn', 'this Node object was deleted; keeping the datapath, waiting for it to come back');
      wasMissing = true;
      return;
    }
    wasMissing = false;
    const current = state();
    const a = n.metadata.annotations ?? {};
    const complete = (n.spec?.podCIDRs?.length ?? 0) > 0 && a[BACKEND_ANNOTATION] === deps.config.backend && a[UNDERLAY_IP_ANNOTATION] !== undefined;
    if (complete || busy || !current) return;
    busy = true;
    log('info', 'this Node lacks our podCIDRs or annotations; publishing them again');
    publishNode(deps, current.underlay)
      .then(async (cidrs) => {
        if (ipv4Block(cidrs) !== current.podCIDR) {
          log('error', 'this node now has another pod block than its datapath; restart the agent', { podCIDRs: cidrs.join(','), datapath: current.podCIDR });
          return;
        }
        await announceDatapath(deps);
      })
      .catch((err: unknown) => log('error', 'republishing this Node failed', { error: err }))
      .finally(() => {
        busy = false;
      });
  };
}

/** For src/bin: the real process edge. */
export function processIo(cniServiceEntry?: string): AgentIo {
  const controller = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => controller.abort());
  return {
    stderr: (text) => process.stderr.write(text),
    readFile: (path) => readFileSync(path, 'utf8'),
    stopSignal: controller.signal,
    ...(cniServiceEntry !== undefined ? { cniServiceEntry } : {}),
  };
}
