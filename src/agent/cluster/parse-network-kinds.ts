// Checks and API-server defaults for Service, EndpointSlice and NetworkPolicy
// (the full networking.k8s.io/v1 spec: the policy engine relies on every
// field, so each rule the API server enforces is enforced here too).
import { cidrContains, networkOf, tryParseCidr } from '../../core/ip/cidr.js';
import { asObj, at, checkCidr, checkIp, checkPortOrName, eachOf, fail, optArray, optBool, optEnum, optInt, optObj, optString, optStringArray, optStringMap, reqInt, reqObj, reqString, type Obj } from './parse-fields.js';
import { syncPlural } from './parse-core-kinds.js';
import { checkLabelSelector } from './parse-meta.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;

export function checkService(root: Obj): void {
  const spec = reqObj(root, 'spec', '');
  const type = optEnum(spec, 'type', 'spec', SERVICE_TYPES) ?? 'ClusterIP';
  spec.type = type;
  optStringMap(spec, 'selector', 'spec');
  const clusterIP = optString(spec, 'clusterIP', 'spec');
  if (clusterIP && clusterIP !== 'None') checkIp(clusterIP, 'spec.clusterIP');
  optStringArray(spec, 'clusterIPs', 'spec')?.forEach((ip, i) => {
    if (ip !== 'None') checkIp(ip, `spec.clusterIPs[${i}]`);
  });
  syncPlural(spec, 'clusterIP', 'clusterIPs', 'spec');
  const ports = optArray(spec, 'ports', 'spec') ?? [];
  eachOf(spec, 'ports', 'spec', (v, field) => {
    const p = asObj(v, field);
    const name = optString(p, 'name', field);
    if (ports.length > 1 && !name) fail(`${field}.name`, 'Required value: must be specified when there is more than one port');
    p.protocol = optEnum(p, 'protocol', field, PROTOCOLS) ?? 'TCP';
    const port = reqInt(p, 'port', field, 1, 65535);
    if (p.targetPort === undefined || p.targetPort === null) p.targetPort = port;
    else checkPortOrName(p.targetPort, `${field}.targetPort`);
    optInt(p, 'nodePort', field, 1, 65535);
    optString(p, 'appProtocol', field);
  });
  optStringArray(spec, 'ipFamilies', 'spec')?.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') fail(`spec.ipFamilies[${i}]`, `Unsupported value: ${JSON.stringify(f)}: supported values: "IPv4", "IPv6"`);
  });
  optEnum(spec, 'ipFamilyPolicy', 'spec', ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const);
  spec.sessionAffinity = optEnum(spec, 'sessionAffinity', 'spec', ['ClientIP', 'None'] as const) ?? 'None';
  optEnum(spec, 'externalTrafficPolicy', 'spec', ['Cluster', 'Local'] as const);
  optEnum(spec, 'internalTrafficPolicy', 'spec', ['Cluster', 'Local'] as const);
  optStringArray(spec, 'externalIPs', 'spec')?.forEach((ip, i) => checkIp(ip, `spec.externalIPs[${i}]`));
  const externalName = optString(spec, 'externalName', 'spec');
  if (type === 'ExternalName' && !externalName) fail('spec.externalName', 'Required value');
  optBool(spec, 'publishNotReadyAddresses', 'spec');
}

export function checkEndpointSlice(root: Obj): void {
  const addressType = optEnum(root, 'addressType', '', ['IPv4', 'IPv6', 'FQDN'] as const);
  if (!addressType) fail('addressType', 'Required value');
  root.endpoints ??= [];
  eachOf(root, 'endpoints', '', (v, field) => {
    const e = asObj(v, field);
    const addresses = optStringArray(e, 'addresses', field);
    if (!addresses || addresses.length === 0) fail(`${field}.addresses`, 'Required value: must contain at least one address');
    if (addresses.length > 100) fail(`${field}.addresses`, 'Too many: must have at most 100 items');
    if (addressType !== 'FQDN') addresses.forEach((a, i) => checkIp(a, `${field}.addresses[${i}]`, addressType === 'IPv4' ? 4 : 6));
    const conditions = optObj(e, 'conditions', field);
    if (conditions) for (const key of ['ready', 'serving', 'terminating']) optBool(conditions, key, `${field}.conditions`);
    for (const key of ['hostname', 'nodeName', 'zone']) optString(e, key, field);
    const ref = optObj(e, 'targetRef', field);
    if (ref) for (const key of ['kind', 'namespace', 'name', 'uid']) optString(ref, key, `${field}.targetRef`);
  });
  eachOf(root, 'ports', '', (v, field) => {
    const p = asObj(v, field);
    optString(p, 'name', field);
    p.protocol = optEnum(p, 'protocol', field, PROTOCOLS) ?? 'TCP';
    optInt(p, 'port', field, 0, 65535);
    optString(p, 'appProtocol', field);
  });
}

function checkIpBlock(block: Obj, field: string): void {
  const cidrText = reqString(block, 'cidr', field);
  const cidr = tryParseCidr(cidrText);
  if (!cidr) fail(`${field}.cidr`, `${JSON.stringify(cidrText)} is not a valid CIDR`);
  optStringArray(block, 'except', field)?.forEach((text, i) => {
    const f = `${field}.except[${i}]`;
    checkCidr(text, f);
    const ex = tryParseCidr(text);
    if (!ex || !cidrContains(cidr, networkOf(ex)) || ex.prefix <= cidr.prefix) fail(f, `must be a strict subset of \`cidr\` ${cidrText}`);
  });
}

function checkPeer(v: unknown, field: string): void {
  const peer = asObj(v, field);
  const pods = checkLabelSelector(peer, 'podSelector', field);
  const namespaces = checkLabelSelector(peer, 'namespaceSelector', field);
  const block = optObj(peer, 'ipBlock', field);
  if (block) {
    if (pods || namespaces) fail(field, 'may not specify both ipBlock and another peer');
    checkIpBlock(block, `${field}.ipBlock`);
  } else if (!pods && !namespaces) {
    fail(field, 'must specify a peer');
  }
}

function checkPolicyPort(v: unknown, field: string): void {
  const p = asObj(v, field);
  p.protocol = optEnum(p, 'protocol', field, PROTOCOLS) ?? 'TCP';
  const port = p.port ?? undefined;
  if (port !== undefined) checkPortOrName(port, `${field}.port`);
  const endPort = optInt(p, 'endPort', field, 1, 65535);
  if (endPort !== undefined) {
    if (typeof port !== 'number') fail(`${field}.endPort`, 'may not be specified when `port` is not a number');
    if (endPort < port) fail(`${field}.endPort`, 'must be greater than or equal to `port`');
  }
}

function checkRules(spec: Obj, key: 'ingress' | 'egress', peersKey: 'from' | 'to'): void {
  eachOf(spec, key, 'spec', (v, field) => {
    const rule = asObj(v, field);
    eachOf(rule, peersKey, field, checkPeer);
    eachOf(rule, 'ports', field, checkPolicyPort);
  });
}

export function checkNetworkPolicy(root: Obj): void {
  const spec = reqObj(root, 'spec', '');
  if (!checkLabelSelector(spec, 'podSelector', 'spec')) fail('spec.podSelector', 'Required value');
  checkRules(spec, 'ingress', 'from');
  checkRules(spec, 'egress', 'to');
  const types = optStringArray(spec, 'policyTypes', 'spec');
  types?.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') fail(at('spec.policyTypes', i), `Unsupported value: ${JSON.stringify(t)}: supported values: "Ingress", "Egress"`);
  });
  if (types && new Set(types).size !== types.length) fail('spec.policyTypes', 'must not contain duplicates');
  // The API server's default: Ingress always, Egress when there are egress rules.
  if (!types || types.length === 0) {
    spec.policyTypes = (optArray(spec, 'egress', 'spec') ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}
