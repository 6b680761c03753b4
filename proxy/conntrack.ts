// UDP has no connection to close: a client keeps sending to an endpoint that is gone for as long
// as its conntrack entry lives. Like kube-proxy, delete the entries of UDP flows whose endpoint
// left — only when the `conntrack` tool is installed (it is optional here).
import type { Host } from './host.ts';
import { usableEndpoints, type ServicePort } from './service-ports.ts';

export interface UdpFlow {
  /** The address the client used: a cluster IP or an external IP, or '' for a node port. */
  ip: string;
  port: number;
  endpoint: string;
}

function flowKey(f: UdpFlow): string {
  return `${f.ip}:${f.port}>${f.endpoint}`;
}

/** Every (service address, endpoint) pair UDP traffic may currently be DNAT'd to. */
export function udpFlows(ports: ServicePort[]): UdpFlow[] {
  const out: UdpFlow[] = [];
  for (const sp of ports) {
    if (sp.protocol !== 'udp') continue;
    const eps = new Set([...usableEndpoints(sp.endpoints, false), ...usableEndpoints(sp.endpoints, true)].map((e) => e.ip));
    for (const endpoint of eps) {
      out.push({ ip: sp.clusterIP, port: sp.port, endpoint });
      for (const ip of sp.externalIPs) out.push({ ip, port: sp.port, endpoint });
      if (sp.nodePort > 0) out.push({ ip: '', port: sp.nodePort, endpoint });
    }
  }
  return out;
}

/** The flows in before but no longer in after: their entries must go. */
export function staleUdpFlows(before: UdpFlow[], after: UdpFlow[]): UdpFlow[] {
  const keep = new Set(after.map(flowKey));
  return before.filter((f) => !keep.has(flowKey(f)));
}

export function conntrackDeleteArgs(f: UdpFlow): string[] {
  const dst = f.ip === '' ? [] : ['--orig-dst', f.ip];
  return ['conntrack', '-D', '-p', 'udp', ...dst, '--orig-port-dst', String(f.port), '--dst-nat', f.endpoint];
}

/** Whether the conntrack tool runs here. */
export async function hasConntrack(host: Host): Promise<boolean> {
  try {
    return (await host.run(['conntrack', '--version'])).code === 0;
  } catch {
    return false;
  }
}

/** Deletes the entries; conntrack exits 1 when none matched, which is fine. */
export async function clearUdpFlows(host: Host, flows: UdpFlow[]): Promise<void> {
  for (const f of flows) await host.run(conntrackDeleteArgs(f));
}
