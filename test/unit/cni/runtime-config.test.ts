import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeRuntimeConfig } from '../../../src/cni/runtime-config.js';

test('Go-cased keys from containerd CRI become lowerCamel', () => {
  const out = normalizeRuntimeConfig({
    portMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp', HostIP: '' }],
    Bandwidth: { IngressRate: 1000, IngressBurst: 10, EgressRate: 2000, EgressBurst: 20 },
    dns: { Servers: ['10.96.0.10'], Searches: ['svc.cluster.local'], Options: ['ndots:5'] },
    'io.kubernetes.cri.pod-annotations': { a: 'b' },
  });
  assert.deepEqual(out, {
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' }],
    bandwidth: { ingressRate: 1000, ingressBurst: 10, egressRate: 2000, egressBurst: 20 },
    dns: { servers: ['10.96.0.10'], searches: ['svc.cluster.local'], options: ['ndots:5'] },
    'io.kubernetes.cri.pod-annotations': { a: 'b' },
  });
});

test('podman lowerCamel keys stay as they are, unknown keys are kept', () => {
  const input = { portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'udp' }], ips: ['10.0.0.5/24'], mac: 'aa:bb:cc:dd:ee:ff', custom: 1 };
  assert.deepEqual(normalizeRuntimeConfig(input), input);
});

test('ipRanges entries are normalised too', () => {
  assert.deepEqual(normalizeRuntimeConfig({ IPRanges: [[{ Subnet: '10.0.0.0/24', RangeStart: '10.0.0.10' }]] }), { ipRanges: [[{ subnet: '10.0.0.0/24', rangeStart: '10.0.0.10' }]] });
});
