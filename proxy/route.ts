// The local route that swallows the service range. A blackhole or unreachable route would stop
// the node's own processes from using Services at all: a local socket looks its route up before
// the OUTPUT hook could DNAT, and those routes fail connect() (EINVAL, EHOSTUNREACH). A route via
// the loopback device with a real node address as its source succeeds for the socket, DNAT then
// re-routes served addresses to their endpoint, and whatever is left (no Service there, rules not
// yet written) is looped back and dies on this host: no packet for a Service IP leaves it.
import type { Host } from './host.ts';
import { mustRun } from './host.ts';

/** The first global IPv4 address of this host (`ip -4 -o addr show scope global`), if any. */
export function firstGlobalAddress(ipAddrOutput: string): string | undefined {
  return /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(ipAddrOutput)?.[1];
}

/**
 * The route carries a real source address: without one a local socket would take the loopback
 * device's 127.0.0.1, which DNAT cannot send to a pod (the kernel drops it as a martian), so
 * the node's own connections to served ClusterIPs would hang.
 */
export async function ensureServiceRoute(host: Host, serviceCidr: string): Promise<void> {
  const src = firstGlobalAddress(await mustRun(host, ['ip', '-4', '-o', 'addr', 'show', 'scope', 'global']));
  await mustRun(host, ['ip', 'route', 'replace', serviceCidr, 'dev', 'lo', ...(src === undefined ? [] : ['src', src])]);
}

/** Removes the route if it is there (true when it was). */
export async function removeServiceRoute(host: Host, serviceCidr: string): Promise<boolean> {
  const shown = await mustRun(host, ['ip', '-o', 'route', 'show', 'exact', serviceCidr]);
  if (!/\bdev lo\b/.test(shown)) return false;
  await mustRun(host, ['ip', 'route', 'del', serviceCidr, 'dev', 'lo']);
  return true;
}
