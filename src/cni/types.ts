// The CNI result in its newest shape (1.1.0; 1.0.0 is the same minus the
// fields marked 1.1). Plugins build results in this shape only; converters in
// result.ts print any older version the config asked for.

export interface CniInterface {
  name: string;
  mac?: string;
  /** 1.1 */
  mtu?: number;
  sandbox?: string;
  /** 1.1 */
  socketPath?: string;
  /** 1.1 */
  pciID?: string;
}

export interface IpConfig {
  /** CIDR notation, host address with prefix length: "10.22.0.5/24". */
  address: string;
  gateway?: string;
  /** Index into interfaces[]. */
  interface?: number;
}

export interface Route {
  dst: string;
  gw?: string;
  /** 1.1 */
  mtu?: number;
  /** 1.1 */
  advmss?: number;
  /** 1.1 */
  priority?: number;
  /** 1.1 */
  table?: number;
  /** 1.1 */
  scope?: number;
}

export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: IpConfig[];
  routes?: Route[];
  dns?: Dns;
}

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';
