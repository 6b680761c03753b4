// nodelet's iptables vocabulary: the chain names, the masquerade mark and the jumps from the
// built-in chains. Every chain a proxy owns starts with its prefix, so it never touches another
// kube-proxy's KUBE- chains or Docker's DOCKER- ones, and clean-up finds exactly its own. The
// prefix comes from the service CIDR: NODELET- for the default range (`make up`), NL<hash>- for
// any other, so a test's own nodelet (with its own range) and a user's never share a chain.
import { createHash } from 'node:crypto';
import { DEFAULT_SERVICE_CIDR } from '../kube/cluster-network.ts';

export const CHAIN_PREFIX = 'NODELET-';

export interface ChainNames {
  prefix: string;
  services: string;
  nodeports: string;
  postrouting: string;
  markMasq: string;
  externalServices: string;
  forward: string;
  firewall: string;
}

export function chainNames(prefix: string): ChainNames {
  return {
    prefix,
    services: `${prefix}SERVICES`,
    nodeports: `${prefix}NODEPORTS`,
    postrouting: `${prefix}POSTROUTING`,
    markMasq: `${prefix}MARK-MASQ`,
    externalServices: `${prefix}EXTERNAL-SERVICES`,
    forward: `${prefix}FORWARD`,
    firewall: `${prefix}FIREWALL`,
  };
}

/** The prefix of the chains of the proxy serving this range (at most 8 characters). */
export function chainPrefixFor(serviceCidr: string): string {
  return serviceCidr === DEFAULT_SERVICE_CIDR ? CHAIN_PREFIX : `NL${hash16(serviceCidr).slice(0, 5)}-`;
}

export const DEFAULT_CHAINS = chainNames(CHAIN_PREFIX);
export const SERVICES_CHAIN = DEFAULT_CHAINS.services;
export const NODEPORTS_CHAIN = DEFAULT_CHAINS.nodeports;
export const POSTROUTING_CHAIN = DEFAULT_CHAINS.postrouting;
export const MARK_MASQ_CHAIN = DEFAULT_CHAINS.markMasq;
export const EXTERNAL_SERVICES_CHAIN = DEFAULT_CHAINS.externalServices;
export const FORWARD_CHAIN = DEFAULT_CHAINS.forward;
export const FIREWALL_CHAIN = DEFAULT_CHAINS.firewall;

/**
 * The packet mark bit that asks POSTROUTING to masquerade. kube-proxy uses 0x4000 and the
 * kubelet 0x8000; nodelet takes its own bit so it never clears or sets theirs.
 */
export const DEFAULT_MASQUERADE_MARK = '0x2000';

export type Table = 'nat' | 'filter';

/** A jump from a built-in chain into one of ours, inserted at the top once. */
export interface Jump {
  table: Table;
  chain: string;
  /** The rule's match and target arguments, as iptables-restore reads them. */
  args: string;
  target: string;
}

const NEW = '-m conntrack --ctstate NEW';

function jump(table: Table, chain: string, comment: string, target: string, match = ''): Jump {
  const m = match === '' ? '' : `${match} `;
  return { table, chain, target, args: `${m}-m comment --comment "${comment}" -j ${target}` };
}

/** The jumps, in the order they should read top-down in each built-in chain. */
export function builtinJumps(opts: { firewall: boolean; chains?: ChainNames }): Jump[] {
  const c = opts.chains ?? DEFAULT_CHAINS;
  const jumps: Jump[] = [
    jump('nat', 'PREROUTING', 'nodelet service portals', c.services),
    jump('nat', 'OUTPUT', 'nodelet service portals', c.services),
    jump('nat', 'POSTROUTING', 'nodelet postrouting rules', c.postrouting),
    jump('filter', 'INPUT', 'nodelet externally-visible service portals', c.externalServices, NEW),
    jump('filter', 'FORWARD', 'nodelet forwarding rules', c.forward),
    jump('filter', 'FORWARD', 'nodelet service portals', c.services, NEW),
    jump('filter', 'FORWARD', 'nodelet externally-visible service portals', c.externalServices, NEW),
    jump('filter', 'OUTPUT', 'nodelet service portals', c.services, NEW),
  ];
  if (opts.firewall) {
    jumps.push(jump('filter', 'INPUT', 'nodelet firewall', c.firewall));
    jumps.push(jump('filter', 'OUTPUT', 'nodelet firewall', c.firewall));
  }
  return jumps;
}

/** The first 16 characters of base32(sha256(s)), as kube-proxy names its per-service chains. */
function hash16(s: string): string {
  const digest = createHash('sha256').update(s).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += alphabet.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
    if (out.length >= 16) break;
    value &= (1 << bits) - 1;
  }
  return out;
}

/** "ns/name:port" (port name, '' for an unnamed port) — the service port's identity. */
export function servicePortName(namespace: string, name: string, portName: string): string {
  return `${namespace}/${name}:${portName}`;
}

/** 28 characters, iptables' limit: the prefix and a hash of the port's name and protocol. */
export function serviceChain(spn: string, protocol: string, prefix = CHAIN_PREFIX): string {
  return `${prefix}SVC-${hash16(spn + protocol)}`;
}

/** The service port's chain over only this node's endpoints (traffic policy Local). */
export function localServiceChain(spn: string, protocol: string, prefix = CHAIN_PREFIX): string {
  return `${prefix}SVL-${hash16(spn + protocol)}`;
}

/** Traffic from outside the cluster (node ports, external IPs) enters here. */
export function externalChain(spn: string, protocol: string, prefix = CHAIN_PREFIX): string {
  return `${prefix}EXT-${hash16(spn + protocol)}`;
}

export function endpointChain(spn: string, protocol: string, endpoint: string, prefix = CHAIN_PREFIX): string {
  return `${prefix}SEP-${hash16(spn + protocol + endpoint)}`;
}
