// The node-wide knobs the proxy reads or turns at start: whether bridged traffic passes through
// iptables (decides masquerading), and route_localnet for node ports on 127.0.0.1, whose old
// value is kept in a file so clean-up can put it back.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stateDir } from '../lib/paths.ts';
import type { Host } from './host.ts';

export const ROUTE_LOCALNET = 'net.ipv4.conf.all.route_localnet';
export const BRIDGE_NF_CALL_IPTABLES = 'net.bridge.bridge-nf-call-iptables';

/** Where the proxy of a state dir keeps route_localnet's old value (`nodelet down` restores it). */
export function defaultProxyStateFile(dir: string = stateDir()): string {
  return join(dir, 'proxy', 'route-localnet');
}

export interface MasqueradeDecision {
  masqueradeAll: boolean;
  reason: string;
}

/**
 * Pods on one Linux bridge reach each other without the host's IP stack; a reply from a Service's
 * endpoint on the same bridge only gets its source un-DNATed when br_netfilter shows bridged
 * frames to iptables. Without it, masquerade every Service packet so replies come back through
 * the host (kube-proxy --masquerade-all).
 */
export function decideMasquerade(bridgeNfCallIptables: string | undefined, forced: boolean): MasqueradeDecision {
  if (forced) return { masqueradeAll: true, reason: 'requested (--masquerade-all)' };
  if (bridgeNfCallIptables === undefined) return { masqueradeAll: true, reason: `${BRIDGE_NF_CALL_IPTABLES} absent (br_netfilter not loaded): masquerading all Service traffic` };
  if (bridgeNfCallIptables.trim() !== '1') return { masqueradeAll: true, reason: `${BRIDGE_NF_CALL_IPTABLES} is ${bridgeNfCallIptables.trim()}: masquerading all Service traffic` };
  return { masqueradeAll: false, reason: `${BRIDGE_NF_CALL_IPTABLES} is 1: bridged traffic passes iptables, masquerading only hairpin, node-port and localhost traffic` };
}

/** Turns route_localnet on, remembering the old value the first time; false when it cannot. */
export async function enableRouteLocalnet(host: Host, stateFile: string): Promise<boolean> {
  const old = await host.readSysctl(ROUTE_LOCALNET);
  if (old === undefined) return false;
  if (old === '1') return true;
  await mkdir(dirname(stateFile), { recursive: true });
  await writeFile(stateFile, `${old}\n`, { flag: 'wx' }).catch((err: unknown) => {
    // a value recorded by an earlier run is the one to restore
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  });
  await host.writeSysctl(ROUTE_LOCALNET, '1');
  return true;
}

/** Puts back the route_localnet value the proxy changed, if it changed one. */
export async function restoreRouteLocalnet(host: Host, stateFile: string): Promise<string | undefined> {
  let old: string;
  try {
    old = (await readFile(stateFile, 'utf8')).trim();
  } catch {
    return undefined;
  }
  if (/^\d+$/.test(old)) await host.writeSysctl(ROUTE_LOCALNET, old);
  await rm(stateFile, { force: true });
  return old;
}
