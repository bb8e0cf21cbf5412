// What a removed container must not leave in the host netns and IPAM dataDir,
// observed the way an operator would: `ip -d link`, the lease directory,
// `nft list ruleset` and `iptables-save`. Independent of the plugin under test.
import { existsSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { TestNetns } from '../helpers/netns.js';
import { findExecutable } from '../helpers/runtimes.js';

/** Names of the veth links in a namespace (by link kind, whatever their name). */
export function vethsIn(ns: TestNetns): string[] {
  const links = JSON.parse(ns.exec('ip', ['-j', '-d', 'link', 'show', 'type', 'veth'])) as unknown;
  if (!Array.isArray(links)) return [];
  return links.map((l: unknown) => (typeof l === 'object' && l !== null && 'ifname' in l ? String(l.ifname) : '?'));
}

/** Host-local style lease files (named by IP) under dataDir/<network>. */
export function leasesIn(dataDir: string, network: string): string[] {
  const dir = join(dataDir, network);
  return existsSync(dir) ? readdirSync(dir).filter((f) => isIP(f) !== 0) : [];
}

/** The host netns's firewall (nft ruleset + iptables-save) as text; empty parts for absent tools. */
export function firewallText(ns: TestNetns): string {
  const parts: string[] = [];
  if (findExecutable('nft') !== undefined) parts.push(ns.exec('nft', ['list', 'ruleset']));
  if (findExecutable('iptables-save') !== undefined) parts.push(ns.exec('iptables-save', []));
  return parts.join('\n');
}

/** Lines of the firewall text naming this exact address (10.0.0.2 does not match 10.0.0.23). */
export function firewallMentions(text: string, ip: string): string[] {
  return text.split('\n').filter((line) => line.split(/[^0-9a-fA-F.:]+/).some((tok) => tok === ip));
}
