// runtimeConfig as runtimes really send it. Go decodes JSON keys
// case-insensitively, so the reference plugins accept containerd's Go-cased
// `portMappings[].HostPort`, `bandwidth.IngressRate` or `dns.Servers` as well
// as podman's lowerCamel; we do the same by mapping every known key,
// whatever its case, to its canonical lowerCamel spelling.

const TOP = ['portMappings', 'bandwidth', 'dns', 'ips', 'mac', 'aliases', 'ipRanges', 'infinibandGUID', 'deviceID', 'cgroupPath', 'io.kubernetes.cri.pod-annotations'];
const PORT_MAPPING = ['hostPort', 'containerPort', 'protocol', 'hostIP'];
const BANDWIDTH = ['ingressRate', 'ingressBurst', 'egressRate', 'egressBurst'];
const DNS = ['servers', 'searches', 'options', 'domain'];
const IP_RANGE = ['subnet', 'rangeStart', 'rangeEnd', 'gateway'];

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function canonicalKeys(obj: Json, known: readonly string[]): Json {
  const byLower = new Map(known.map((k) => [k.toLowerCase(), k]));
  const out: Json = {};
  for (const [key, value] of Object.entries(obj)) {
    out[byLower.get(key.toLowerCase()) ?? key] = value;
  }
  return out;
}

/** Returns a copy of runtimeConfig with known keys in canonical lowerCamel case. */
export function normalizeRuntimeConfig(raw: Json): Json {
  const out = canonicalKeys(raw, TOP);
  if (Array.isArray(out.portMappings)) {
    out.portMappings = out.portMappings.map((m) => (isObject(m) ? canonicalKeys(m, PORT_MAPPING) : m));
  }
  if (isObject(out.bandwidth)) out.bandwidth = canonicalKeys(out.bandwidth, BANDWIDTH);
  if (isObject(out.dns)) out.dns = canonicalKeys(out.dns, DNS);
  if (Array.isArray(out.ipRanges)) {
    out.ipRanges = out.ipRanges.map((set) => (Array.isArray(set) ? set.map((r) => (isObject(r) ? canonicalKeys(r, IP_RANGE) : r)) : set));
  }
  return out;
}
