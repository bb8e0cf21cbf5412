// The parsers: the API server's defaults on valid objects, and errors that
// name the kind, the object and the offending field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterError } from '../../../src/agent/cluster/errors.js';
import { parseEndpointSlice, parseNetworkPolicy, parseNode, parseObject, parsePod, parseService } from '../../../src/agent/cluster/types.js';
import type { KindName } from '../../../src/agent/cluster/types.js';

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }] }] },
  status: { phase: 'Running', podIPs: [{ ip: '10.244.1.5' }, { ip: 'fd00::5' }] },
});
const node = () => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.244.1.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'n1' }] } });
const policy = () => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'p', namespace: 'default' },
  spec: {
    podSelector: { matchLabels: { app: 'web' } },
    ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['fe'] }] } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 80 }, { port: 'http', protocol: 'TCP' }, { port: 3000, endPort: 3100 }] }],
    egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
  },
});
const service = () => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', ports: [{ port: 80 }] } });
const slice = () => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'n1' }],
  ports: [{ name: '', port: 8080 }],
});

describe('parsers: valid objects get the API server defaults', () => {
  it('Pod: port protocols, podIP from podIPs; input untouched', () => {
    const input = pod();
    const p = parsePod(input);
    assert.deepEqual(p.spec.containers[0]?.ports?.map((x) => x.protocol), ['TCP', 'UDP']);
    assert.equal(p.status?.podIP, '10.244.1.5');
    assert.equal((input.status as { podIP?: string }).podIP, undefined, 'the parser works on a copy');
  });
  it('Node: podCIDRs from podCIDR', () => {
    assert.deepEqual(parseNode(node()).spec?.podCIDRs, ['10.244.1.0/24']);
  });
  it('NetworkPolicy: policyTypes from the rules present, port protocols', () => {
    const p = parseNetworkPolicy(policy());
    assert.deepEqual(p.spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(p.spec.ingress?.[0]?.ports?.map((x) => x.protocol), ['TCP', 'TCP', 'TCP']);
    const ingressOnly = policy();
    delete (ingressOnly.spec as { egress?: unknown }).egress;
    assert.deepEqual(parseNetworkPolicy(ingressOnly).spec.policyTypes, ['Ingress']);
  });
  it('Service: type, targetPort, sessionAffinity, clusterIPs', () => {
    const s = parseService(service());
    assert.equal(s.spec.type, 'ClusterIP');
    assert.equal(s.spec.ports?.[0]?.targetPort, 80);
    assert.equal(s.spec.ports?.[0]?.protocol, 'TCP');
    assert.equal(s.spec.sessionAffinity, 'None');
    assert.deepEqual(s.spec.clusterIPs, ['10.96.0.10']);
  });
  it('EndpointSlice: port protocol', () => {
    assert.equal(parseEndpointSlice(slice()).ports?.[0]?.protocol, 'TCP');
  });
  it('keeps fields it does not model', () => {
    const input = { ...pod(), spec: { ...pod().spec, restartPolicy: 'Always', volumes: [{ name: 'v' }] } };
    const p = parsePod(input) as unknown as { spec: { restartPolicy: string; volumes: unknown[] } };
    assert.equal(p.spec.restartPolicy, 'Always');
    assert.deepEqual(p.spec.volumes, [{ name: 'v' }]);
  });
  it('fills apiVersion/kind when absent and drops a cluster-scoped namespace', () => {
    const n = parseNode({ metadata: { name: 'n2', namespace: 'x' } });
    assert.equal(n.apiVersion, 'v1');
    assert.equal(n.kind, 'Node');
    assert.equal(n.metadata.namespace, undefined);
  });
});

type Mutate = (o: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

const invalid: [KindName, () => object, string, Mutate, string, RegExp][] = [
  ['Pod', pod, 'no containers', (o) => (o.spec.containers = []), 'spec.containers', /Required value/],
  ['Pod', pod, 'port 0', (o) => (o.spec.containers[0].ports[1].containerPort = 0), 'spec.containers[0].ports[1].containerPort', /between 1 and 65535/],
  ['Pod', pod, 'bad protocol', (o) => (o.spec.containers[0].ports[0].protocol = 'ICMP'), 'spec.containers[0].ports[0].protocol', /Unsupported value: "ICMP"/],
  ['Pod', pod, 'long port name', (o) => (o.spec.containers[0].ports[0].name = 'much-too-long-port-name'), 'spec.containers[0].ports[0].name', /IANA_SVC_NAME/],
  ['Pod', pod, 'hostNetwork not boolean', (o) => (o.spec.hostNetwork = 'yes'), 'spec.hostNetwork', /boolean/],
  ['Pod', pod, 'bad pod IP', (o) => (o.status.podIPs[1].ip = 'fd00::zz'), 'status.podIPs[1].ip', /not a valid IP/],
  ['Pod', pod, 'podIP disagrees', (o) => (o.status.podIP = '10.244.1.6'), 'status.podIPs[0].ip', /must match status.podIP/],
  ['Pod', pod, 'two IPv4 podIPs', (o) => (o.status.podIPs = [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]), 'status.podIPs', /one entry per IP family/],
  ['Pod', pod, 'bad phase', (o) => (o.status.phase = 'Sleeping'), 'status.phase', /Unsupported value/],
  ['Pod', pod, 'no namespace', (o) => delete o.metadata.namespace, 'metadata.namespace', /Required value/],
  ['Pod', pod, 'upper-case name', (o) => (o.metadata.name = 'Web'), 'metadata.name', /RFC 1123 subdomain/],
  ['Pod', pod, 'bad label value', (o) => (o.metadata.labels.app = 'a b'), 'metadata.labels.app', /alphanumeric/],
  ['Pod', pod, 'wrong kind', (o) => (o.kind = 'Node'), 'kind', /must be "Pod"/],
  ['Node', node, 'podCIDR not a CIDR', (o) => (o.spec.podCIDR = '10.244.1.0'), 'spec.podCIDR', /not a valid CIDR/],
  ['Node', node, 'podCIDR host bits', (o) => (o.spec.podCIDR = '10.244.1.1/24'), 'spec.podCIDR', /host bits/],
  ['Node', node, 'podCIDRs mismatch', (o) => (o.spec.podCIDRs = ['10.244.2.0/24']), 'spec.podCIDRs[0]', /must match spec.podCIDR/],
  ['Node', node, 'InternalIP not an IP', (o) => (o.status.addresses[0].address = 'node-1'), 'status.addresses[0].address', /not a valid IP/],
  ['Node', node, 'address type', (o) => (o.status.addresses[1].type = 'Public'), 'status.addresses[1].type', /Unsupported value/],
  ['NetworkPolicy', policy, 'no podSelector', (o) => delete o.spec.podSelector, 'spec.podSelector', /Required value/],
  ['NetworkPolicy', policy, 'empty peer', (o) => (o.spec.ingress[0].from[0] = {}), 'spec.ingress[0].from[0]', /must specify a peer/],
  ['NetworkPolicy', policy, 'ipBlock with selector', (o) => (o.spec.ingress[0].from[1].podSelector = {}), 'spec.ingress[0].from[1]', /may not specify both/],
  ['NetworkPolicy', policy, 'except outside cidr', (o) => (o.spec.ingress[0].from[1].ipBlock.except = ['11.0.0.0/16']), 'spec.ingress[0].from[1].ipBlock.except[0]', /strict subset/],
  ['NetworkPolicy', policy, 'In without values', (o) => (o.spec.ingress[0].from[0].podSelector.matchExpressions[0].values = []), 'spec.ingress[0].from[0].podSelector.matchExpressions[0].values', /must be specified/],
  ['NetworkPolicy', policy, 'bad operator', (o) => (o.spec.ingress[0].from[0].podSelector.matchExpressions[0].operator = 'Gt'), 'spec.ingress[0].from[0].podSelector.matchExpressions[0].operator', /Unsupported value/],
  ['NetworkPolicy', policy, 'endPort with named port', (o) => (o.spec.ingress[0].ports[1].endPort = 90), 'spec.ingress[0].ports[1].endPort', /not a number/],
  ['NetworkPolicy', policy, 'endPort below port', (o) => (o.spec.ingress[0].ports[2].endPort = 10), 'spec.ingress[0].ports[2].endPort', /greater than or equal/],
  ['NetworkPolicy', policy, 'bad policy type', (o) => (o.spec.policyTypes = ['Ingress', 'Sideways']), 'spec.policyTypes[1]', /Unsupported value/],
  ['Service', service, 'unnamed second port', (o) => o.spec.ports.push({ port: 443 }), 'spec.ports[0].name', /more than one port/],
  ['Service', service, 'bad targetPort', (o) => (o.spec.ports[0].targetPort = 70000), 'spec.ports[0].targetPort', /between 1 and 65535/],
  ['Service', service, 'ExternalName without name', (o) => (o.spec.type = 'ExternalName'), 'spec.externalName', /Required value/],
  ['EndpointSlice', slice, 'IPv6 address in an IPv4 slice', (o) => (o.endpoints[0].addresses = ['fd00::1']), 'endpoints[0].addresses[0]', /not an IPv4 address/],
  ['EndpointSlice', slice, 'endpoint without addresses', (o) => (o.endpoints[0].addresses = []), 'endpoints[0].addresses', /at least one/],
  ['EndpointSlice', slice, 'no addressType', (o) => delete o.addressType, 'addressType', /Required value/],
];

describe('parsers: errors name the field', () => {
  for (const [kind, make, what, mutate, field, problem] of invalid) {
    it(`${kind}: ${what} → ${field}`, () => {
      const o = make() as Record<string, unknown>;
      mutate(o);
      assert.throws(() => parseObject(kind, o), (e: unknown) => {
        assert.ok(e instanceof ClusterError, String(e));
        assert.equal(e.reason, 'Invalid');
        assert.equal(e.code, 422);
        assert.equal(e.details.field, field, e.message);
        assert.match(e.message, problem);
        assert.ok(e.message.startsWith(`${kind} "`), e.message);
        return true;
      });
    });
  }
  it('non-objects', () => {
    assert.throws(() => parsePod('pod'), (e: unknown) => e instanceof ClusterError && e.details.field === '<root>');
    assert.throws(() => parsePod({ metadata: { name: 'x', namespace: 'd' }, spec: [] }), (e: unknown) => e instanceof ClusterError && e.details.field === 'spec');
  });
});
