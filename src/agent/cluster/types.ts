// The Kubernetes objects the node agent sees, as the API serves them (JSON
// field names and nesting of core/v1, networking.k8s.io/v1, discovery.k8s.io/v1
// and coordination.k8s.io/v1), cut down to what Podwire reads. Objects keep
// any other fields they carry: the parsers validate these, apply the API
// server's defaults for them, and pass the rest through, so a read-modify-
// write never drops a field we do not model.
//
// Fields the API server defaults (ports' protocol, a policy's policyTypes, a
// Service's type) stay optional in the types, as in @kubernetes/client-node,
// so an object written by hand type-checks; objects returned by a
// ClusterSource always carry them.
import type { LabelSelector } from '../../core/cluster/label-selector.js';

export type { LabelSelector, LabelSelectorRequirement } from '../../core/cluster/label-selector.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

/** Metadata of an object that came out of a ClusterSource. */
export interface StoredMeta extends ObjectMeta {
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

// ---- core/v1 Namespace, Node, Pod ----

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: ObjectMeta;
  spec?: { finalizers?: string[] };
  status?: { phase?: 'Active' | 'Terminating' };
}

export type NodeAddressType = 'InternalIP' | 'ExternalIP' | 'Hostname' | 'InternalDNS' | 'ExternalDNS';

export interface Node {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: ObjectMeta;
  spec?: {
    podCIDR?: string;
    /** One block per family; podCIDRs[0] equals podCIDR when both are set. */
    podCIDRs?: string[];
    unschedulable?: boolean;
    providerID?: string;
  };
  status?: {
    addresses?: { type: NodeAddressType; address: string }[];
    conditions?: Condition[];
  };
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: Protocol;
  hostPort?: number;
  hostIP?: string;
}

export interface Container {
  name: string;
  image?: string;
  ports?: ContainerPort[];
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: {
    nodeName?: string;
    hostNetwork?: boolean;
    containers: Container[];
    initContainers?: Container[];
  };
  status?: {
    phase?: PodPhase;
    hostIP?: string;
    hostIPs?: { ip: string }[];
    /** podIPs[0] equals podIP when both are set. */
    podIP?: string;
    podIPs?: { ip: string }[];
    conditions?: Condition[];
  };
}

// ---- core/v1 Service ----

export interface ServicePort {
  name?: string;
  protocol?: Protocol;
  port: number;
  /** A number, or the name of a container port. Defaults to `port`. */
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

export type IpFamilyName = 'IPv4' | 'IPv6';

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
    selector?: Record<string, string>;
    /** An address, or "None" for a headless service. */
    clusterIP?: string;
    clusterIPs?: string[];
    ports?: ServicePort[];
    ipFamilies?: IpFamilyName[];
    ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
    sessionAffinity?: 'ClientIP' | 'None';
    externalTrafficPolicy?: 'Cluster' | 'Local';
    internalTrafficPolicy?: 'Cluster' | 'Local';
    externalIPs?: string[];
    externalName?: string;
    publishNotReadyAddresses?: boolean;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

// ---- discovery.k8s.io/v1 EndpointSlice ----

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

export interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  protocol?: Protocol;
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice {
  apiVersion: 'discovery.k8s.io/v1';
  kind: 'EndpointSlice';
  metadata: ObjectMeta;
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}

// ---- networking.k8s.io/v1 NetworkPolicy ----

export interface IPBlock {
  cidr: string;
  except?: string[];
}

/** Exactly one of ipBlock or (podSelector and/or namespaceSelector). */
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  protocol?: Protocol;
  /** A number or a named container port; absent means all ports. */
  port?: number | string;
  /** With a numeric port: the last port of the range. */
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicy {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: ObjectMeta;
  spec: {
    podSelector: LabelSelector;
    /** Defaulted: ["Ingress"], plus "Egress" when egress rules are present. */
    policyTypes?: PolicyType[];
    ingress?: NetworkPolicyIngressRule[];
    egress?: NetworkPolicyEgressRule[];
  };
}

// ---- coordination.k8s.io/v1 Lease (exclusive claims, such as pod blocks) ----

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: ObjectMeta;
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface KindMap {
  Namespace: Namespace;
  Node: Node;
  Pod: Pod;
  Service: Service;
  EndpointSlice: EndpointSlice;
  NetworkPolicy: NetworkPolicy;
  Lease: Lease;
}

export type KindName = keyof KindMap;
export type ClusterObject = KindMap[KindName];

/** An object as a ClusterSource returns it: uid, resourceVersion and creationTimestamp set. */
export type Stored<T extends ClusterObject> = T & { metadata: StoredMeta };

// The parsers (validation with field-named errors, plus the API server's
// defaults) live with the kind table; re-exported so the shapes and their
// parsers come from one place.
export { parseEndpointSlice, parseLease, parseNamespace, parseNetworkPolicy, parseNode, parseObject, parsePod, parseService } from './kinds.js';
