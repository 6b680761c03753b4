// The local route that swallows the service range. A blackhole or unreachable route would stop
// the node's own processes from using Services at all: a local socket looks its route up before
// the OUTPUT hook could DNAT, and those routes fail connect() (EINVAL, EHOSTUNREACH). A route via
// the loopback device succeeds for the socket (its source is a real node address), DNAT then
// re-routes served addresses to their endpoint, and whatever is left (no Service there, rules not
// yet written) is looped back and dies on this host: no packet for a Service IP leaves it.
import type { Host } from './host.ts';
import { mustRun } from './host.ts';

export async function ensureServiceRoute(host: Host, serviceCidr: string): Promise<void> {
  await mustRun(host, ['ip', 'route', 'replace', serviceCidr, 'dev', 'lo']);
}

/** Removes the route if it is there (true when it was). */
export async function removeServiceRoute(host: Host, serviceCidr: string): Promise<boolean> {
  const shown = await mustRun(host, ['ip', '-o', 'route', 'show', 'exact', serviceCidr]);
  if (!/\bdev lo\b/.test(shown)) return false;
  await mustRun(host, ['ip', 'route', 'del', serviceCidr, 'dev', 'lo']);
  return true;
}
