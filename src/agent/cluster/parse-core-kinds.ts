// Checks and API-server defaults for Namespace, Node, Pod and Lease. Each
// check* works on the parser's private copy (`root`) and may fill defaults in.
import { tryParseIp } from '../../core/ip/address.js';
import { tryParseCidr } from '../../core/ip/cidr.js';
import { dnsLabelProblem } from '../../core/cluster/names.js';
import { asObj, at, checkCidr, checkIp, checkPortOrName, eachOf, fail, optArray, optBool, optEnum, optInt, optObj, optString, optStringArray, reqInt, reqObj, reqString, type Obj } from './parse-fields.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

function checkConditions(parent: Obj, base: string): void {
  eachOf(parent, 'conditions', base, (v, field) => {
    const c = asObj(v, field);
    reqString(c, 'type', field);
    if (optEnum(c, 'status', field, ['True', 'False', 'Unknown'] as const) === undefined) fail(`${field}.status`, 'Required value');
    for (const key of ['reason', 'message', 'lastHeartbeatTime', 'lastTransitionTime']) optString(c, key, field);
  });
}

/**
 * Dual-stack lists with their legacy singular field (podCIDR/podCIDRs,
 * podIP/podIPs, clusterIP/clusterIPs): the API keeps them in step, filling
 * either from the other and rejecting a mismatch, and allows at most one
 * entry per family.
 */
export function syncPlural(parent: Obj, single: string, plural: string, base: string, entryKey?: string): void {
  const list = (optArray(parent, plural, base) ?? []).map((v) => (entryKey ? (v as Obj)[entryKey] : v) as string);
  const one = optString(parent, single, base);
  if (list.length === 0 && one) parent[plural] = entryKey ? [{ [entryKey]: one }] : [one];
  else if (list.length > 0 && !one) parent[single] = list[0];
  else if (list.length > 0 && one !== list[0]) {
    fail(`${at(base, plural)}[0]${entryKey ? `.${entryKey}` : ''}`, `must match ${at(base, single)} (${JSON.stringify(one)})`);
  }
  if (list.length > 2) fail(at(base, plural), 'may contain at most one entry per IP family');
  if (list.length === 2) {
    const fam = list.map((t) => (tryParseCidr(t) ?? { address: tryParseIp(t) }).address?.family);
    if (fam[0] === fam[1]) fail(at(base, plural), 'may contain at most one entry per IP family');
  }
}

export function checkNamespace(root: Obj): void {
  const spec = optObj(root, 'spec', '');
  if (spec) optStringArray(spec, 'finalizers', 'spec');
  const status = optObj(root, 'status', '') ?? {};
  optEnum(status, 'phase', 'status', ['Active', 'Terminating'] as const);
  status.phase ??= 'Active';
  root.status = status;
}

const ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS'] as const;

export function checkNode(root: Obj): void {
  const spec = optObj(root, 'spec', '');
  if (spec) {
    const single = optString(spec, 'podCIDR', 'spec');
    if (single) checkCidr(single, 'spec.podCIDR');
    optStringArray(spec, 'podCIDRs', 'spec')?.forEach((c, i) => checkCidr(c, `spec.podCIDRs[${i}]`));
    syncPlural(spec, 'podCIDR', 'podCIDRs', 'spec');
    optBool(spec, 'unschedulable', 'spec');
    optString(spec, 'providerID', 'spec');
  }
  const status = optObj(root, 'status', '');
  if (status) {
    eachOf(status, 'addresses', 'status', (v, field) => {
      const a = asObj(v, field);
      const type = optEnum(a, 'type', field, ADDRESS_TYPES);
      if (!type) fail(`${field}.type`, 'Required value');
      const address = reqString(a, 'address', field);
      if (type === 'InternalIP' || type === 'ExternalIP') checkIp(address, `${field}.address`);
    });
    checkConditions(status, 'status');
  }
}

function checkContainer(v: unknown, field: string): void {
  const c = asObj(v, field);
  const name = reqString(c, 'name', field);
  const p = dnsLabelProblem(name);
  if (p) fail(`${field}.name`, `Invalid value: ${JSON.stringify(name)}: ${p}`);
  optString(c, 'image', field);
  eachOf(c, 'ports', field, (pv, pf) => {
    const port = asObj(pv, pf);
    const portName = optString(port, 'name', pf);
    if (portName !== undefined) checkPortOrName(portName, `${pf}.name`);
    reqInt(port, 'containerPort', pf, 1, 65535);
    port.protocol = optEnum(port, 'protocol', pf, PROTOCOLS) ?? 'TCP';
    optInt(port, 'hostPort', pf, 1, 65535);
    const hostIP = optString(port, 'hostIP', pf);
    if (hostIP) checkIp(hostIP, `${pf}.hostIP`);
  });
}

function checkIpList(parent: Obj, key: string, base: string): void {
  eachOf(parent, key, base, (v, field) => checkIp(reqString(asObj(v, field), 'ip', field), `${field}.ip`));
}

export function checkPod(root: Obj): void {
  const spec = reqObj(root, 'spec', '');
  const containers = optArray(spec, 'containers', 'spec');
  if (!containers || containers.length === 0) fail('spec.containers', 'Required value');
  eachOf(spec, 'containers', 'spec', checkContainer);
  eachOf(spec, 'initContainers', 'spec', checkContainer);
  optString(spec, 'nodeName', 'spec');
  optBool(spec, 'hostNetwork', 'spec');
  const status = optObj(root, 'status', '');
  if (status) {
    optEnum(status, 'phase', 'status', ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const);
    for (const key of ['podIP', 'hostIP']) {
      const ip = optString(status, key, 'status');
      if (ip) checkIp(ip, `status.${key}`);
    }
    checkIpList(status, 'podIPs', 'status');
    checkIpList(status, 'hostIPs', 'status');
    syncPlural(status, 'podIP', 'podIPs', 'status', 'ip');
    syncPlural(status, 'hostIP', 'hostIPs', 'status', 'ip');
    checkConditions(status, 'status');
  }
}

export function checkLease(root: Obj): void {
  const spec = optObj(root, 'spec', '');
  if (!spec) return;
  for (const key of ['holderIdentity', 'acquireTime', 'renewTime']) optString(spec, key, 'spec');
  optInt(spec, 'leaseDurationSeconds', 'spec', 1, 2 ** 31 - 1);
  optInt(spec, 'leaseTransitions', 'spec', 0, 2 ** 31 - 1);
}
