// endpoints.RepackSubsets and SortSubsets (pkg/api/v1/endpoints): subsets expanded to one
// (address, port, ready) each and packed again into the canonical layout — one subset per set of
// addresses that offer the same ports (not-ready on any port wins over ready), addresses sorted
// by IP then pod uid, ports and subsets in a stable order. Upstream orders ports and subsets by an
// md5 of Go's spew dump; here by their canonical JSON: just as stable, not the same order.
import type { EndpointAddress, EndpointPort, EndpointSubset } from 'kubernetes-types/core/v1.d.ts';
import { canonicalJson } from '../framework/hash.ts';

/** A subset with no ports is kept under this sentinel (upstream's port -1). */
const NO_PORT = '\u0000none';

/** LessEndpointAddress: by IP (bytes), then target uid; no target sorts first. */
export function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  const ipa = Buffer.from(a.ip);
  const ipb = Buffer.from(b.ip);
  const c = Buffer.compare(ipa, ipb);
  if (c !== 0) return c;
  if (b.targetRef === undefined) return a.targetRef === undefined ? 0 : 1;
  if (a.targetRef === undefined) return -1;
  const ua = a.targetRef.uid ?? '';
  const ub = b.targetRef.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

const byJson = <T>(a: T, b: T): number => {
  const x = canonicalJson(a);
  const y = canonicalJson(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** SortSubsets: addresses by IP and uid, ports and subsets in a stable order. */
export function sortSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  for (const ss of subsets) {
    ss.addresses?.sort(compareAddresses);
    ss.notReadyAddresses?.sort(compareAddresses);
    ss.ports?.sort(byJson);
  }
  return subsets.sort(byJson);
}

/** RepackSubsets: a new, canonical list of subsets. */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  // Every address once (by IP and pod uid); per port, each address and whether it is ready.
  const allAddrs = new Map<string, EndpointAddress>();
  const portToAddrs = new Map<string, { port: EndpointPort | undefined; addrs: Map<string, boolean> }>();
  const mapAddress = (addr: EndpointAddress, portKey: string, port: EndpointPort | undefined, ready: boolean): void => {
    const addrKey = `${addr.ip}\u0000${addr.targetRef?.uid ?? ''}`;
    if (!allAddrs.has(addrKey)) allAddrs.set(addrKey, structuredClone(addr));
    let entry = portToAddrs.get(portKey);
    if (entry === undefined) portToAddrs.set(portKey, (entry = { port, addrs: new Map() }));
    const was = entry.addrs.get(addrKey);
    // not ready always trumps ready
    if (was === undefined || was) entry.addrs.set(addrKey, ready);
  };
  for (const ss of subsets) {
    const ports = ss.ports ?? [];
    const targets: [string, EndpointPort | undefined][] = ports.length === 0 ? [[NO_PORT, undefined]] : ports.map((p) => [canonicalJson(p), p]);
    for (const [portKey, port] of targets) {
      for (const a of ss.addresses ?? []) mapAddress(a, portKey, port, true);
      for (const a of ss.notReadyAddresses ?? []) mapAddress(a, portKey, port, false);
    }
  }

  // The sets of (address, ready) offering the same ports become one subset.
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, addrs } of portToAddrs.values()) {
    const key = canonicalJson([...addrs.entries()].map(([k, ready]) => ({ addr: allAddrs.get(k), ready }))
      .sort((x, y) => (x.addr === undefined || y.addr === undefined ? 0 : compareAddresses(x.addr, y.addr))));
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { addrs, ports: [] }));
    if (port !== undefined) g.ports.push(port);
  }

  const final: EndpointSubset[] = [];
  for (const { addrs, ports } of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [k, isReady] of addrs) {
      const a = allAddrs.get(k);
      if (a !== undefined) (isReady ? ready : notReady).push(a);
    }
    final.push({
      ...(ready.length === 0 ? {} : { addresses: ready }),
      ...(notReady.length === 0 ? {} : { notReadyAddresses: notReady }),
      ...(ports.length === 0 ? {} : { ports }),
    });
  }
  return sortSubsets(final);
}
