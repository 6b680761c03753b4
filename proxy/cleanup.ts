// Removing every trace of nodelet's service proxy (for `nodelet proxy --cleanup` and
// `nodelet down`): the jumps from the built-in chains, all chains of the nat and filter tables
// with the range's prefix (NODELET- for the default range), the service-range route and the route_localnet value it changed. Idempotent: on a
// machine without any of it, it reads the tables and does nothing.
import type { Logger } from '../lib/log.ts';
import { DEFAULT_SERVICE_CIDR } from '../kube/cluster-network.ts';
import { ProxyToolMissingError, systemHost, type Host } from './host.ts';
import { restore, saveTables } from './iptables.ts';
import { defaultProxyStateFile, restoreRouteLocalnet } from './node-setup.ts';
import { CHAIN_PREFIX, chainPrefixFor } from './chains.ts';
import { jumpDeletions, parseSave } from './planner.ts';
import { removeServiceRoute } from './route.ts';

export interface CleanupOptions {
  serviceCidr?: string;
  host?: Host;
  /** Where the proxy recorded route_localnet's old value. */
  stateFile?: string;
  log?: Logger;
}

export interface CleanupResult {
  chains: number;
  jumps: number;
  route: boolean;
  routeLocalnet: string | undefined;
}

/** The iptables-restore batch that removes our jumps and chains ('' when there are none). */
export function cleanupBatch(saved: string, prefix = CHAIN_PREFIX): { text: string; chains: number; jumps: number } {
  const state = parseSave(saved, prefix);
  const deletions = jumpDeletions(saved, prefix);
  const lines: string[] = [];
  for (const table of ['nat', 'filter'] as const) {
    const chains = [...state.chains[table]].sort();
    if (chains.length === 0 && deletions[table].length === 0) continue;
    lines.push(`*${table}`);
    for (const c of chains) lines.push(`:${c} - [0:0]`);
    lines.push(...deletions[table]);
    for (const c of chains) lines.push(`-X ${c}`);
    lines.push('COMMIT');
  }
  return {
    text: lines.length === 0 ? '' : `${lines.join('\n')}\n`,
    chains: state.chains.nat.length + state.chains.filter.length,
    jumps: deletions.nat.length + deletions.filter.length,
  };
}

function missingTool(err: unknown): boolean {
  return err instanceof ProxyToolMissingError;
}

/**
 * Removes all of the proxy's state; a machine without iptables or ip (where the proxy never ran)
 * has nothing to remove. Fails (ProxyCommandError) when a command does, e.g. without root.
 */
export async function cleanupProxy(o: CleanupOptions = {}): Promise<CleanupResult> {
  const host = o.host ?? systemHost();
  let saved: string;
  try {
    saved = await saveTables(host);
  } catch (err) {
    if (!missingTool(err)) throw err;
    saved = '';
  }
  const serviceCidr = o.serviceCidr ?? DEFAULT_SERVICE_CIDR;
  // only the chains of the proxy that served this range: another nodelet's stay
  const batch = cleanupBatch(saved, chainPrefixFor(serviceCidr));
  if (batch.text !== '') await restore(host, batch.text);
  const route = await removeServiceRoute(host, serviceCidr).catch((err: unknown) => {
    if (missingTool(err)) return false;
    throw err;
  });
  const routeLocalnet = await restoreRouteLocalnet(host, o.stateFile ?? defaultProxyStateFile());
  const result = { chains: batch.chains, jumps: batch.jumps, route, routeLocalnet };
  o.log?.info(result, 'service proxy state removed');
  return result;
}
