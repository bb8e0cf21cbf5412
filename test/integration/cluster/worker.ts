// A separate process acting on a store, for the multi-process tests (built
// to build/test/integration/cluster/worker.js; not a test file itself).
//   increment <root> <iterations> <id>   create own Leases and increment a shared counter by compare-and-swap
//   claim <root> <node> <poolsJson>      register the Node if needed and claim its pod blocks
//   hold-lock <lockPath>                 take the store lock, print "locked", keep it until killed
//   rewrite <root> <count>               replace one large Pod <count> times
import { isAlreadyExists, isConflict } from '../../../src/agent/cluster/errors.js';
import { claimNodeBlocks } from '../../../src/agent/cluster/claim-node-block.js';
import { FileClusterSource, fileSourceOptions } from '../../../src/agent/cluster/file-source.js';
import { tryLock } from '../../../src/agent/cluster/link-lock.js';
import { procProbe } from '../../../src/agent/cluster/process-probe.js';
import { parseBlockPool } from '../../../src/core/cluster/pod-cidr.js';
import type { Lease } from '../../../src/agent/cluster/types.js';

const [mode, ...args] = process.argv.slice(2);
const source = (root: string): FileClusterSource => new FileClusterSource(fileSourceOptions(root, { lockTimeoutMs: 60_000, log: (l) => process.stderr.write(`${l}\n`) }));
const lease = (name: string, transitions: number): Lease => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'conc' }, spec: { leaseTransitions: transitions } });

async function increment(root: string, iterations: number, id: string): Promise<void> {
  const src = source(root);
  const rvs: number[] = [];
  let conflicts = 0;
  for (let i = 0; i < iterations; i++) {
    rvs.push(Number((await src.create('Lease', lease(`w${id}-${i}`, i))).metadata.resourceVersion));
    for (;;) {
      const counter = await src.get('Lease', { name: 'counter', namespace: 'conc' });
      const next = { ...counter, spec: { ...counter.spec, leaseTransitions: (counter.spec?.leaseTransitions ?? 0) + 1, holderIdentity: `w${id}` } };
      try {
        rvs.push(Number((await src.update('Lease', next)).metadata.resourceVersion));
        break;
      } catch (err) {
        if (!isConflict(err)) throw err;
        conflicts++;
      }
    }
  }
  process.stdout.write(`${JSON.stringify({ rvs, conflicts })}\n`);
}

async function claim(root: string, node: string, poolsJson: string): Promise<void> {
  const src = source(root);
  try {
    await src.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: node } });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const pools = (JSON.parse(poolsJson) as [string, number][]).map(([c, p], i) => parseBlockPool(c, p, `pools[${i}]`));
  const mac = `02:00:00:00:00:${Number(node.replace(/\D/g, '') || 0).toString(16).padStart(2, '0').slice(-2)}`;
  const result = await claimNodeBlocks(src, { nodeName: node, pools, underlayIp: '192.168.50.1', vtepMac: mac, claimNamespace: 'podwire-system', maxAttempts: 100, now: () => new Date() });
  process.stdout.write(`${JSON.stringify({ podCIDRs: result.podCIDRs })}\n`);
}

async function rewrite(root: string, count: number): Promise<void> {
  const src = source(root);
  const big = (i: number): string => `${i}:`.padEnd(200_000, String(i % 10));
  let pod = await src.create('Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'big', namespace: 'default', annotations: { blob: big(0) } }, spec: { containers: [{ name: 'c' }] } });
  process.stdout.write('created\n');
  for (let i = 1; i <= count; i++) {
    pod = await src.update('Pod', { ...pod, metadata: { ...pod.metadata, annotations: { blob: big(i) } } });
  }
  process.stdout.write('done\n');
}

function holdLock(path: string): void {
  if (!tryLock(path, procProbe())) throw new Error('lock busy');
  process.stdout.write('locked\n');
  setInterval(() => undefined, 1000);
}

const run = async (): Promise<void> => {
  switch (mode) {
    case 'increment':
      return increment(args[0] as string, Number(args[1]), args[2] as string);
    case 'claim':
      return claim(args[0] as string, args[1] as string, args[2] as string);
    case 'rewrite':
      return rewrite(args[0] as string, Number(args[1]));
    case 'hold-lock':
      return holdLock(args[0] as string);
    default:
      throw new Error(`unknown mode ${String(mode)}`);
  }
};

run().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
