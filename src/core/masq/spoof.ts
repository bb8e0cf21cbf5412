// macspoofchk as nft rules (pure). Frames entering the bridge from a pod's
// host veth must carry the pod's own MAC. Like masquerade, rules are
// constant and pods are set elements:
//   spoof-checked  host veth names under the check
//   spoof-allowed  (host veth . allowed source MAC)
// so one lookup per frame whatever the number of pods. The bridge family
// sees every frame before forwarding, ARP included, which is what stops a pod
// from claiming another pod's MAC. Elements carry the attachment tag.
import type { MasqElement } from './render.js';

export const SPOOF_TABLE = 'podwire';
export const SPOOF_CHAIN = 'pod-macspoof';

export function renderSpoofBase(): string {
  const t = `bridge ${SPOOF_TABLE}`;
  return [
    `add table ${t}`,
    `add set ${t} spoof-checked { type ifname; }`,
    `add set ${t} spoof-allowed { type ifname . ether_addr; }`,
    `add chain ${t} ${SPOOF_CHAIN} { type filter hook prerouting priority -300; policy accept; }`,
    `flush chain ${t} ${SPOOF_CHAIN}`,
    `add rule ${t} ${SPOOF_CHAIN} iifname @spoof-checked iifname . ether saddr != @spoof-allowed drop`,
  ].join('\n') + '\n';
}

export function spoofElements(hostVeth: string, mac: string, tag: string): MasqElement[] {
  return [
    { set: 'spoof-checked', key: `"${hostVeth}"`, tag },
    { set: 'spoof-allowed', key: `"${hostVeth}" . ${mac.toLowerCase()}`, tag },
  ];
}

export function renderSpoofAdd(hostVeth: string, mac: string, tag: string): string {
  return renderSpoofBase() + spoofElements(hostVeth, mac, tag)
    .map((e) => `add element bridge ${SPOOF_TABLE} ${e.set} { ${e.key} comment "${tag}" }\n`).join('');
}
