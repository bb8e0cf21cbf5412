// User-written files in the store's tree: YAML manifests (multi-document)
// applied, re-applied on edit, pruned on removal; JSON dropped in adopted.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeRoot, openSource, summarize, take, type TempRoot } from './helpers.js';

const LAB = `# two namespaces' worth of lab objects
apiVersion: v1
kind: Node
metadata:
  name: node-a
spec:
  podCIDR: 10.244.1.0/24
status:
  addresses:
    - {type: InternalIP, address: 192.168.50.11}
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  nodeName: node-a
  containers:
    - name: nginx
      ports: [{containerPort: 80, name: http}]
status:
  phase: Running
  podIP: 10.244.1.10
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
  namespace: prod
spec:
  podSelector: {}
`;

describe('manifests in the store tree', () => {
  const roots: TempRoot[] = [];
  after(() => roots.forEach((r) => r.remove()));
  const fresh = () => {
    const r = makeRoot();
    roots.push(r);
    return { root: r.path, ...openSource(r.path) };
  };

  it('applies a multi-document YAML file on list, with defaults and the "default" namespace', async () => {
    const { root, source } = fresh();
    mkdirSync(join(root, 'manifests'));
    writeFileSync(join(root, 'manifests', 'lab.yaml'), LAB);
    const pods = await source.list('Pod');
    assert.deepEqual(pods.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ['default/web']);
    const web = pods.items[0];
    assert.equal(web?.status?.podIP, '10.244.1.10');
    assert.equal(web?.spec.containers[0]?.ports?.[0]?.protocol, 'TCP');
    assert.deepEqual((await source.get('Node', { name: 'node-a' })).spec?.podCIDRs, ['10.244.1.0/24']);
    assert.deepEqual((await source.get('NetworkPolicy', { name: 'deny-all', namespace: 'prod' })).spec.policyTypes, ['Ingress']);
    assert.ok(existsSync(join(root, 'pods', 'default', 'web.json')), 'live objects are JSON files');
    assert.equal(readFileSync(join(root, 'manifests', 'lab.yaml'), 'utf8'), LAB, 'the manifest is never rewritten');
  });

  it('edits become MODIFIED (status kept unless given), removed documents and files are pruned, for watchers too', async () => {
    const { root, source } = fresh();
    const file = join(root, 'lab.yml');
    writeFileSync(file, LAB);
    const start = await source.list('Pod');
    const web = start.items[0];
    assert.ok(web);
    const w = source.watch('Pod', { resourceVersion: start.resourceVersion });
    await source.updateStatus('Pod', { ...web, status: { phase: 'Running', podIP: '10.244.1.99' } });
    writeFileSync(file, LAB.replace('app: web', 'app: web2').replace(/status:\n {2}phase: Running\n {2}podIP: 10.244.1.10\n/, ''));
    const [statusEvent, edited] = await take(w, 2, 5000);
    assert.equal(statusEvent?.type, 'MODIFIED');
    assert.equal(edited?.type, 'MODIFIED');
    const live = await source.get('Pod', { name: 'web', namespace: 'default' });
    assert.deepEqual(live.metadata.labels, { app: 'web2' });
    assert.equal(live.status?.podIP, '10.244.1.99', 'status from the API survives a manifest without status');
    assert.equal(live.metadata.uid, web.metadata.uid);

    writeFileSync(file, LAB.split('---')[0] ?? '');
    const [gone] = await take(w, 1, 5000);
    assert.equal(gone?.type, 'DELETED');
    assert.deepEqual((await source.list('NetworkPolicy')).items, []);
    assert.equal((await source.list('Node')).items.length, 1);

    rmSync(file);
    assert.deepEqual((await source.list('Node')).items, [], 'removing the manifest removes what it declared');
    w.stop();
  });

  it('a broken edit keeps what the manifest applied before and is reported', async () => {
    const { root, source, logs } = fresh();
    const file = join(root, 'lab.yaml');
    writeFileSync(file, LAB);
    assert.equal((await source.list('Pod')).items.length, 1);
    writeFileSync(file, `${LAB}\n---\nkind: [unclosed\n`);
    assert.equal((await source.list('Pod')).items.length, 1);
    assert.ok(logs.some((l) => /lab\.yaml: YAML:/.test(l)), logs.join('\n'));
    writeFileSync(file, `${LAB}---\napiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {containers: []}\n`);
    assert.equal((await source.list('Pod')).items.length, 1);
    assert.ok(logs.some((l) => /document 3: Pod "bad" is invalid: spec.containers: Required value/.test(l)), logs.join('\n'));
  });

  it('namespaced documents in <resource>/<namespace>/ take that namespace', async () => {
    const { root, source } = fresh();
    mkdirSync(join(root, 'pods', 'team-a'), { recursive: true });
    writeFileSync(join(root, 'pods', 'team-a', 'db.yaml'), 'kind: Pod\napiVersion: v1\nmetadata: {name: db}\nspec: {containers: [{name: pg}]}\n');
    assert.deepEqual((await source.list('Pod')).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ['team-a/db']);
  });

  it('adopts a JSON object dropped in by hand, and a watcher sees it without listing', async () => {
    const { root, source } = fresh();
    const start = await source.list('Pod');
    const w = source.watch('Pod', { resourceVersion: start.resourceVersion });
    mkdirSync(join(root, 'pods', 'default'), { recursive: true });
    writeFileSync(join(root, 'pods', 'default', 'hand.json'), JSON.stringify({ kind: 'Pod', metadata: { name: 'hand-made' }, spec: { containers: [{ name: 'c' }] } }));
    const [added] = await take(w, 1, 5000);
    w.stop();
    assert.equal(added && summarize(added).startsWith('ADDED:hand-made@'), true);
    assert.equal(existsSync(join(root, 'pods', 'default', 'hand.json')), false, 'moved to its canonical name');
    const live = JSON.parse(readFileSync(join(root, 'pods', 'default', 'hand-made.json'), 'utf8')) as { apiVersion: string; metadata: { uid?: string } };
    assert.equal(live.apiVersion, 'v1');
    assert.ok(live.metadata.uid);
  });
});
