// macspoofchk as nft rules (pure). Frames entering the bridge from a pod's
// host veth must carry the pod's own MAC. Like masquerade, rules are
// constant and pods are set elements:
//   spoof-checked  host veth names under the check
//   spoof-allowed  (host veth . allowed source MAC)
// so one lookup per frame whatever the number of pods. The bridge family
// sees every frame before forwarding, ARP included, which is what stops a pod
// from claiming another pod's MAC. Elements carry the attachment tag.
import { renderRules, renderSkeleton, type ChainSpec } from './chain.js';
import { quoteComment, type MasqElement } from './render.js';

export const SPOOF_TABLE = 'podwire';
export const SPOOF_CHAIN = 'pod-macspoof';

export const SPOOF_CHAIN_SPEC: ChainSpec = {
  family: 'bridge',
  table: SPOOF_TABLE,
  chain: SPOOF_CHAIN,
  sets: ['spoof-checked { type ifname; }', 'spoof-allowed { type ifname . ether_addr; }'],
  hook: 'type filter hook prerouting priority -300; policy accept;',
  rules: ['iifname @spoof-checked iifname . ether saddr != @spoof-allowed drop'],
};

export function spoofElements(hostVeth: string, mac: string, tag: string): MasqElement[] {
  return [
    { set: 'spoof-checked', key: `"${hostVeth}"`, tag },
    { set: 'spoof-allowed', key: `"${hostVeth}" . ${mac.toLowerCase()}`, tag },
  ];
}

/** One transaction: the pod's elements, preceded by skeleton and rule unless `chainCurrent` (see renderMasqAdd). */
export function renderSpoofAdd(hostVeth: string, mac: string, tag: string, chainCurrent: boolean): string {
  return (chainCurrent ? '' : renderSkeleton(SPOOF_CHAIN_SPEC) + renderRules(SPOOF_CHAIN_SPEC)) + spoofElements(hostVeth, mac, tag)
    .map((e) => `add element bridge ${SPOOF_TABLE} ${e.set} { ${e.key} comment ${quoteComment(tag)} }\n`).join('');
}
