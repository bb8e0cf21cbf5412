// `resolvConf`: host-local turns a resolv.conf on the host into the result's
// DNS section. Reading the file is the caller's job; this is the parser, with
// host-local's rules (dns.go): comments start with '#' or ';', the first
// field names the setting, `search` and `options` accumulate.
import type { Dns } from '../../cni/types.js';

export function parseResolvConf(text: string): Dns {
  const dns: Dns = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const [key, ...values] = line.split(/\s+/);
    const first = values[0];
    if (first === undefined) continue;
    switch (key) {
      case 'nameserver':
        (dns.nameservers ??= []).push(first);
        break;
      case 'domain':
        dns.domain = first;
        break;
      case 'search':
        (dns.search ??= []).push(...values);
        break;
      case 'options':
        (dns.options ??= []).push(...values);
        break;
    }
  }
  return dns;
}
