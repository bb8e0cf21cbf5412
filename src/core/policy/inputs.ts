// What the policy engine reads from the cluster: the fields of Namespace,
// Node, Pod and networking.k8s.io/v1 NetworkPolicy that carry policy
// meaning, as structural types. The agent's full Kubernetes objects
// (src/agent/cluster/types.ts) are assignable to them, so the pure core
// depends on no layer above it, and tests build inputs as plain literals.
import type { LabelSelector } from '../cluster/label-selector.js';

export type PolicyProtocol = 'TCP' | 'UDP' | 'SCTP';
export type PolicyDirection = 'ingress' | 'egress';
export type Labels = Readonly<Record<string, string>>;

export interface NamespaceInput {
  readonly metadata: { readonly name: string; readonly labels?: Labels };
}

export interface NodeInput {
  readonly metadata: { readonly name: string };
  readonly status?: { readonly addresses?: readonly { readonly type: string; readonly address: string }[] };
}

export interface ContainerPortInput {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol?: PolicyProtocol;
}

export interface PodInput {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Labels };
  readonly spec: {
    readonly nodeName?: string;
    readonly hostNetwork?: boolean;
    readonly containers: readonly { readonly ports?: readonly ContainerPortInput[] }[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly podIPs?: readonly { readonly ip: string }[];
    readonly hostIP?: string;
    readonly hostIPs?: readonly { readonly ip: string }[];
  };
}

export interface IpBlockInput {
  readonly cidr: string;
  readonly except?: readonly string[];
}

export interface PeerInput {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: IpBlockInput;
}

export interface PortInput {
  readonly protocol?: PolicyProtocol;
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface NetworkPolicyInput {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: {
    readonly podSelector: LabelSelector;
    readonly policyTypes?: readonly ('Ingress' | 'Egress')[];
    readonly ingress?: readonly { readonly from?: readonly PeerInput[]; readonly ports?: readonly PortInput[] }[];
    readonly egress?: readonly { readonly to?: readonly PeerInput[]; readonly ports?: readonly PortInput[] }[];
  };
}

export interface PolicyInputs {
  readonly namespaces: readonly NamespaceInput[];
  readonly pods: readonly PodInput[];
  readonly policies: readonly NetworkPolicyInput[];
  /** Nodes name the addresses that count as "the pod's own node"; optional (pods' hostIPs are used too). */
  readonly nodes?: readonly NodeInput[];
}

/** Errors of the engine's API, matched by `code`. */
export type PolicyErrorCode = 'UnknownPod' | 'InvalidAddress' | 'FamilyMismatch' | 'InvalidPort' | 'InvalidOption';

export class PolicyError extends Error {
  constructor(readonly code: PolicyErrorCode, message: string, readonly details: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.name = 'PolicyError';
  }
}
