// Policy sets shared by the compile, golden, diff and nft-load tests. Each
// compiles for node n1 of the x/y/z cluster (cluster.ts), whose pods all
// run there.
import type { NetworkPolicyInput } from '../../../src/core/policy/inputs.js';
import type { CompileOptions } from '../../../src/core/policy/compile.js';
import { NODE1, POD_CIDRS, policy } from './cluster.js';

export const COMPILE_OPTIONS: CompileOptions = { node: 'n1', nodeAddresses: [NODE1, 'fd00:ffff::1'], podCidrs: POD_CIDRS };

export const SCENARIOS: Record<string, NetworkPolicyInput[]> = {
  'no-policies': [],
  'deny-all': [policy('x/deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
  mixed: [
    policy('x/deny-all', { podSelector: {} }),
    policy('x/web', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'c' } } }, { namespaceSelector: { matchLabels: { ns: 'y' } } }], ports: [{ port: 81 }, { port: 'web' }] }] }),
    policy('x/b-assorted', {
      podSelector: { matchLabels: { pod: 'b' } },
      ingress: [{
        from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['a', 'b'] }] } }],
        ports: [{ protocol: 'UDP' }, { port: 1000, endPort: 2000 }, { protocol: 'SCTP', port: 80 }],
      }],
    }),
    policy('y/out', {
      podSelector: {},
      egress: [
        { to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.2.0.0/24'] } }, { ipBlock: { cidr: 'fd00::/16', except: ['fd00:2::/32'] } }], ports: [{ port: 80 }] },
        { to: [{ namespaceSelector: {} }], ports: [{ port: 'web' }] },
        { to: [{ namespaceSelector: { matchLabels: { ns: 'z' } } }] },
      ],
      ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/16' } }] }],
    }),
    policy('z/allow-all', { podSelector: {}, ingress: [{}] }),
  ],
  'named-ports': [
    policy('x/web', { podSelector: {}, ingress: [{ ports: [{ port: 'web' }] }] }),
    policy('y/a-web-out', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 'web' }, { port: 'serve-81-udp', protocol: 'UDP' }] }] }),
  ],
};
